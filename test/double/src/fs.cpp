// §5.8: the guest filesystem of the runtime double — the sandbox's root folder on the
// host, reached only while the sandbox's VM is alive (as the real agent requires).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <sstream>

#include "sandbox.hpp"

using namespace msbd;

namespace {

[[noreturn]] void fs_fail(const std::string& what, const std::string& path, int err) {
  fail("filesystem", "filesystem error: " + what + " " + path + ": " + std::strerror(err) + " (os error " +
                         std::to_string(err) + ")");
}

}  // namespace

// Shared with ssh.cpp (declared in sandbox.hpp).
namespace msbd {

// The live sandbox's root folder (throws as the agent would when the VM is gone).
std::string guest_root(const SandboxP& s) {
  auto rec = lookup(s->name);
  if (!rec || rec->find("boot_id")->as_uint() != s->boot_id || !vm_alive(*rec))
    fail("internal", "agent client error: connection closed");
  return sandbox_root_fs(*rec);
}

// Lexically normalizes a guest path and maps it into the root; never escapes it.
std::string host_path(const std::string& root, const std::string& guest) {
  std::vector<std::string> parts;
  std::stringstream ss(guest);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out = root;
  for (auto& p : parts) out += "/" + p;
  return out;
}

}  // namespace msbd

namespace {

std::string kind_of(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "directory";
  if (S_ISLNK(m)) return "symlink";
  return "other";
}

std::string read_all(const std::string& path, const std::string& guest) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fs_fail("read", guest, errno);
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    fs_fail("read", guest, EISDIR);
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      fs_fail("read", guest, e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void write_all(int fd, const std::string& data, const std::string& guest) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fs_fail("write", guest, errno);
    off += static_cast<size_t>(n);
  }
}

void write_file(const std::string& path, const std::string& data, const std::string& guest) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fs_fail("write", guest, errno);
  write_all(fd, data, guest);
  ::close(fd);
}

void mkdirs(const std::string& root, const std::string& path, const std::string& guest) {
  std::string cur = root;
  std::string rest = path.substr(root.size());
  std::stringstream ss(rest);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) fs_fail("mkdir", guest, errno);
    struct stat st;
    if (stat(cur.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fs_fail("mkdir", guest, ENOTDIR);
  }
}

void remove_tree(const std::string& path, const std::string& guest) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) fs_fail("remove", guest, errno);
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = opendir(path.c_str())) {
      while (auto* e = readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        remove_tree(path + "/" + n, guest);
      }
      closedir(d);
    }
    if (::rmdir(path.c_str()) != 0) fs_fail("remove", guest, errno);
  } else if (::unlink(path.c_str()) != 0) {
    fs_fail("remove", guest, errno);
  }
}

void copy_tree(const std::string& src, const std::string& dst, const std::string& guest) {
  struct stat st;
  if (lstat(src.c_str(), &st) != 0) fs_fail("copy", guest, errno);
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(dst.c_str(), st.st_mode & 07777) != 0 && errno != EEXIST) fs_fail("copy", guest, errno);
    DIR* d = opendir(src.c_str());
    if (!d) fs_fail("copy", guest, errno);
    while (auto* e = readdir(d)) {
      std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      copy_tree(src + "/" + n, dst + "/" + n, guest);
    }
    closedir(d);
  } else if (S_ISLNK(st.st_mode)) {
    char buf[4096];
    ssize_t k = readlink(src.c_str(), buf, sizeof buf - 1);
    if (k < 0) fs_fail("copy", guest, errno);
    buf[k] = 0;
    if (symlink(buf, dst.c_str()) != 0) fs_fail("copy", guest, errno);
  } else {
    write_file(dst, read_all(src, guest), guest);
    ::chmod(dst.c_str(), st.st_mode & 07777);
  }
}

Json ok() {
  Json o = Json::object();
  o.set("ok", true);
  return o;
}

// Streams.
constexpr size_t kChunk = 3 * 1024 * 1024;  // the protocol's FS_CHUNK_SIZE

struct ReadStream {
  int fd = -1;
  std::string guest;
  bool done = false;
  std::mutex m;
  ~ReadStream() {
    if (fd >= 0) ::close(fd);
  }
};
struct WriteStream {
  int fd = -1;
  std::string guest;
  std::mutex m;
  ~WriteStream() {
    if (fd >= 0) ::close(fd);
  }
};
Registry<ReadStream>& g_reads = *new Registry<ReadStream>("fs_read");
Registry<WriteStream>& g_writes = *new Registry<WriteStream>("fs_write");

}  // namespace

#define FS_BODY(fn, ...) return run_call(fn, CidMode::Use, cid, buf, len, [&](Call&) -> Json { __VA_ARGS__ })

MSB_EXPORT char* msb_fs_read(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_read", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    Json o = Json::object();
    o.set("data", base64_encode(read_all(host_path(root, guest), guest)));
    return o;
  });
}

MSB_EXPORT char* msb_fs_write(uint64_t cid, uint64_t h, const char* path_p, const char* data_p, unsigned char* buf,
                              uintptr_t len) {
  FS_BODY("msb_fs_write", {
    std::string guest = arg_str(path_p);
    std::string b64 = arg_str(data_p);
    std::string data;
    try {
      data = base64_decode(b64);
    } catch (const ParseError& e) {
      fail("invalid_argument", std::string("invalid base64 data: ") + e.what());
    }
    std::string root = guest_root(g_sandboxes.get(h));
    write_file(host_path(root, guest), data, guest);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_list(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_list", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    std::string dir = host_path(root, guest);
    DIR* d = opendir(dir.c_str());
    if (!d) fs_fail("list", guest, errno);
    std::vector<std::string> names;
    while (auto* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    Json arr = Json::array();
    std::string prefix = guest.empty() || guest.back() != '/' ? guest + "/" : guest;
    for (auto& n : names) {
      struct stat st;
      if (lstat((dir + "/" + n).c_str(), &st) != 0) continue;
      Json e = Json::object();
      e.set("path", prefix + n);
      e.set("kind", kind_of(st.st_mode));
      e.set("size", static_cast<uint64_t>(st.st_size));
      e.set("mode", static_cast<uint64_t>(st.st_mode & 07777));
      arr.push(e);
    }
    return arr;
  });
}

MSB_EXPORT char* msb_fs_stat(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_stat", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    struct stat st;
    if (lstat(host_path(root, guest).c_str(), &st) != 0) fs_fail("stat", guest, errno);
    Json o = Json::object();
    o.set("kind", kind_of(st.st_mode));
    o.set("size", static_cast<uint64_t>(st.st_size));
    o.set("mode", static_cast<uint64_t>(st.st_mode & 07777));
    o.set("readonly", (st.st_mode & 0222) == 0);
    o.set("modified_unix", static_cast<int64_t>(st.st_mtime));
    return o;
  });
}

MSB_EXPORT char* msb_fs_exists(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_exists", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    struct stat st;
    Json o = Json::object();
    o.set("exists", lstat(host_path(root, guest).c_str(), &st) == 0);
    return o;
  });
}

MSB_EXPORT char* msb_fs_mkdir(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_mkdir", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    mkdirs(root, host_path(root, guest), guest);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_remove(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_remove", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    std::string p = host_path(root, guest);
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) fs_fail("remove", guest, errno);
    if (S_ISDIR(st.st_mode)) fs_fail("remove", guest, EISDIR);
    if (::unlink(p.c_str()) != 0) fs_fail("remove", guest, errno);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_remove_dir(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_remove_dir", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    std::string p = host_path(root, guest);
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) fs_fail("remove_dir", guest, errno);
    if (!S_ISDIR(st.st_mode)) fs_fail("remove_dir", guest, ENOTDIR);
    if (p == root) fs_fail("remove_dir", guest, EBUSY);
    remove_tree(p, guest);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_copy(uint64_t cid, uint64_t h, const char* src_p, const char* dst_p, unsigned char* buf,
                             uintptr_t len) {
  FS_BODY("msb_fs_copy", {
    std::string src = arg_str(src_p), dst = arg_str(dst_p);
    std::string root = guest_root(g_sandboxes.get(h));
    copy_tree(host_path(root, src), host_path(root, dst), src);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_rename(uint64_t cid, uint64_t h, const char* src_p, const char* dst_p, unsigned char* buf,
                               uintptr_t len) {
  FS_BODY("msb_fs_rename", {
    std::string src = arg_str(src_p), dst = arg_str(dst_p);
    std::string root = guest_root(g_sandboxes.get(h));
    if (::rename(host_path(root, src).c_str(), host_path(root, dst).c_str()) != 0) fs_fail("rename", src, errno);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_copy_from_host(uint64_t cid, uint64_t h, const char* host_p, const char* guest_p,
                                       unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_copy_from_host", {
    std::string host = arg_str(host_p), guest = arg_str(guest_p);
    std::string root = guest_root(g_sandboxes.get(h));
    struct stat st;
    if (stat(host.c_str(), &st) != 0) fail("io", std::string("io error: ") + host + ": " + std::strerror(errno));
    copy_tree(host, host_path(root, guest), guest);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_copy_to_host(uint64_t cid, uint64_t h, const char* guest_p, const char* host_p,
                                     unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_copy_to_host", {
    std::string guest = arg_str(guest_p), host = arg_str(host_p);
    std::string root = guest_root(g_sandboxes.get(h));
    std::string src = host_path(root, guest);
    struct stat st;
    if (lstat(src.c_str(), &st) != 0) fs_fail("copy_to_host", guest, errno);
    std::string data = read_all(src, guest);
    int fd = ::open(host.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("io", std::string("io error: ") + host + ": " + std::strerror(errno));
    write_all(fd, data, guest);
    ::close(fd);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_read_stream(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_read_stream", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    std::string p = host_path(root, guest);
    auto s = std::make_shared<ReadStream>();
    s->guest = guest;
    s->fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) fs_fail("read", guest, errno);
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) fs_fail("read", guest, EISDIR);
    Json o = Json::object();
    o.set("stream_handle", g_reads.insert(s));
    return o;
  });
}

MSB_EXPORT char* msb_fs_read_stream_recv(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_read_stream_recv", {
    auto s = g_reads.get(h);
    std::unique_lock<std::mutex> busy(s->m, std::try_to_lock);
    if (!busy.owns_lock()) fail("internal", "fs_read stream mutex busy");
    Json o = Json::object();
    if (s->done) {
      o.set("done", true);
      return o;
    }
    std::string chunk(kChunk, '\0');
    size_t got = 0;
    while (got < kChunk) {
      ssize_t n = ::read(s->fd, &chunk[got], kChunk - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fs_fail("read", s->guest, errno);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    if (got == 0) {
      s->done = true;
      o.set("done", true);
      return o;
    }
    chunk.resize(got);
    o.set("chunk_b64", base64_encode(chunk));
    return o;
  });
}

MSB_EXPORT char* msb_fs_read_stream_close(uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_fs_read_stream_close", CidMode::None, 0, buf, len, [&](Call&) {
    g_reads.try_take(h);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_write_stream(uint64_t cid, uint64_t h, const char* path_p, unsigned char* buf,
                                     uintptr_t len) {
  FS_BODY("msb_fs_write_stream", {
    std::string guest = arg_str(path_p);
    std::string root = guest_root(g_sandboxes.get(h));
    auto s = std::make_shared<WriteStream>();
    s->guest = guest;
    s->fd = ::open(host_path(root, guest).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->fd < 0) fs_fail("write", guest, errno);
    Json o = Json::object();
    o.set("stream_handle", g_writes.insert(s));
    return o;
  });
}

MSB_EXPORT char* msb_fs_write_stream_write(uint64_t cid, uint64_t h, const char* data_p, unsigned char* buf,
                                           uintptr_t len) {
  FS_BODY("msb_fs_write_stream_write", {
    std::string b64 = arg_str(data_p);
    auto s = g_writes.get(h);
    std::unique_lock<std::mutex> busy(s->m, std::try_to_lock);
    if (!busy.owns_lock()) fail("internal", "fs_write stream mutex busy");
    std::string data;
    try {
      data = base64_decode(b64);
    } catch (const ParseError& e) {
      fail("invalid_argument", std::string("invalid base64 data: ") + e.what());
    }
    write_all(s->fd, data, s->guest);
    return ok();
  });
}

MSB_EXPORT char* msb_fs_write_stream_close(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  FS_BODY("msb_fs_write_stream_close", {
    auto s = g_writes.take(h);  // removed before waiting: a cancelled close still consumes it
    std::unique_lock<std::mutex> busy(s->m, std::try_to_lock);
    if (!busy.owns_lock()) fail("internal", "fs_write stream mutex busy");
    if (::fsync(s->fd) != 0 && errno != EINVAL) fs_fail("write", s->guest, errno);
    ::close(s->fd);
    s->fd = -1;
    return ok();
  });
}
