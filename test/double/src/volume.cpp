// §5.11: named volumes of the runtime double, with the local backend's semantics.
// A volume is a host directory $MSB_HOME/volumes/<name>/ (disk volumes hold a sparse
// disk.raw there); its record is $MSB_HOME/volumes/.records/<name>.json, guarded across
// processes by an flock on $MSB_HOME/volumes/.lock. File operations resolve paths the way
// the runtime does (leading '/' stripped, canonicalised, refused outside the volume root).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <cctype>
#include <sstream>

#include "sandbox.hpp"
#include "volume.hpp"

using namespace msbd;

namespace msbd {

std::string volumes_root() { return msb_home() + "/volumes"; }
std::string volume_path(const std::string& name) { return volumes_root() + "/" + name; }
static std::string records_dir() { return volumes_root() + "/.records"; }
static std::string record_path(const std::string& name) { return records_dir() + "/" + name + ".json"; }

namespace {

class VolumeLock {
 public:
  VolumeLock() {
    mkdirs(volumes_root());
    fd_ = ::open((volumes_root() + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("io", std::string("io error: ") + std::strerror(errno) + " (os error " + std::to_string(errno) + ")");
    while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~VolumeLock() {
    if (fd_ >= 0) {
      flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }
  VolumeLock(const VolumeLock&) = delete;
  VolumeLock& operator=(const VolumeLock&) = delete;

 private:
  int fd_;
};

[[noreturn]] void io_fail(int err) {
  fail("io", std::string("io error: ") + std::strerror(err) + " (os error " + std::to_string(err) + ")");
}

std::optional<Json> load(const std::string& name) {
  std::ifstream f(record_path(name), std::ios::binary);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return Json::parse(ss.str());
  } catch (...) {
    return std::nullopt;
  }
}

void save(const Json& rec) {
  mkdirs(records_dir());
  std::string path = record_path(rec.find("name")->as_string());
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) io_fail(errno);
    f << rec.dump();
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) io_fail(errno);
}

uint64_t next_id() {
  std::string path = records_dir() + "/.seq";
  uint64_t v = 0;
  {
    std::ifstream f(path);
    if (f) f >> v;
  }
  v++;
  mkdirs(records_dir());
  std::ofstream f(path, std::ios::trunc);
  f << v;
  return v;
}

bool path_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

const Json* member(const Json& o, const char* key) {
  auto v = o.find(key);
  return v && !v->is_null() ? v : nullptr;
}

uint32_t u32_field(const Json& o, const char* key, const char* what) {
  auto v = member(o, key);
  if (!v) return 0;
  if (!v->is_integer() || v->as_int() < 0 || v->as_uint() > 0xffffffffULL)
    fail("invalid_argument", std::string(what) + "invalid type for `" + key + "`, expected u32");
  return static_cast<uint32_t>(v->as_uint());
}

enum class Kind { Dir, Disk };

Kind parse_kind(const std::string& s) {
  if (s.empty() || s == "dir" || s == "directory") return Kind::Dir;
  if (s == "disk") return Kind::Disk;
  fail("invalid_argument", "invalid volume kind \"" + s + "\" (expected dir|disk)");
}

struct Spec {
  std::string name;
  Kind kind = Kind::Dir;
  uint32_t quota_mib = 0;
  uint32_t size_mib = 0;
  Json labels = Json::array();  // [[k, v], ...] in the order given
};

void validate_spec(const Spec& s) {
  validate_volume_name(s.name);
  if (s.kind == Kind::Dir && s.size_mib > 0)
    fail("invalid_config", "invalid config: directory named volumes do not support .size(...) / --size");
  if (s.kind == Kind::Disk && s.size_mib == 0)
    fail("invalid_config", "invalid config: disk named volumes require .size(...) / --size");
  if (s.kind == Kind::Disk && s.quota_mib > 0)
    fail("invalid_config", "invalid config: disk named volumes do not support .quota(...)");
}

// Caller holds VolumeLock. Materialises the directory (and disk image) then the record.
Json create_locked(const Spec& s) {
  if (load(s.name)) fail("volume_already_exists", "volume already exists: " + s.name);
  std::string path = volume_path(s.name);
  if (path_exists(path)) fail("volume_already_exists", "volume already exists: " + s.name);
  std::string tmp = volumes_root() + "/." + s.name + "." + std::to_string(getpid());
  remove_tree(tmp);
  if (::mkdir(tmp.c_str(), 0755) != 0) io_fail(errno);
  if (s.kind == Kind::Disk) {
    // The runtime's ext4 formatter needs room for its metadata and journal (68 MiB at least).
    if (s.size_mib < 68) {
      remove_tree(tmp);
      fail("internal", "failed to create disk.raw: image size is too small for ext4 formatting");
    }
    // A sparse file of the capacity (the real runtime formats it as ext4).
    std::string disk = tmp + "/disk.raw";
    int fd = ::open(disk.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(s.size_mib) * 1024 * 1024) != 0) {
      int e = errno;
      if (fd >= 0) ::close(fd);
      remove_tree(tmp);
      io_fail(e);
    }
    ::close(fd);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    remove_tree(tmp);
    io_fail(e);
  }
  Json rec = Json::object();
  rec.set("id", next_id());
  rec.set("name", s.name);
  rec.set("kind", s.kind == Kind::Disk ? "disk" : "dir");
  rec.set("quota_mib", s.quota_mib > 0 ? Json(static_cast<uint64_t>(s.quota_mib)) : Json());
  rec.set("capacity_bytes", s.size_mib > 0 ? Json(static_cast<uint64_t>(s.size_mib) * 1024 * 1024) : Json());
  rec.set("disk_format", s.kind == Kind::Disk ? Json("raw") : Json());
  rec.set("disk_fstype", s.kind == Kind::Disk ? Json("ext4") : Json());
  rec.set("labels", s.labels);
  rec.set("created_at", now_ms() / 1000);
  rec.set("created_at_ms", now_ms());
  save(rec);
  return rec;
}

// The public Volume document (§5.0). The runtime builds it with serde_json's `json!`
// without `preserve_order`, so members (and labels) come out sorted by key.
Json volume_json(const Json& rec) {
  std::string name = rec.find("name")->as_string();
  std::map<std::string, Json> labels;  // the last value of a repeated key wins, as in the runtime's map
  for (auto& kv : rec.find("labels")->as_array()) labels[kv.as_array()[0].as_string()] = kv.as_array()[1];
  Json l = Json::object();
  for (auto& kv : labels) l.set(kv.first, kv.second);
  Json o = Json::object();
  o.set("capacity_bytes", *rec.find("capacity_bytes"));
  o.set("created_at_unix", *rec.find("created_at"));
  o.set("disk_format", *rec.find("disk_format"));
  o.set("disk_fstype", *rec.find("disk_fstype"));
  o.set("id", Json());
  o.set("is_default", false);
  o.set("kind", *rec.find("kind"));
  o.set("labels", l);
  o.set("name", name);
  o.set("path", volume_path(name));
  o.set("quota_mib", *rec.find("quota_mib"));
  o.set("used_bytes", 0);
  return o;
}

std::vector<Json> all_volume_records() {
  std::vector<Json> out;
  std::string dir = records_dir();
  if (DIR* d = opendir(dir.c_str())) {
    while (auto* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() <= 5 || n.compare(n.size() - 5, 5, ".json") != 0) continue;
      if (auto r = load(n.substr(0, n.size() - 5))) out.push_back(*r);
    }
    closedir(d);
  }
  return out;
}

// ------------------------------------------------------------ path resolution (VolumeFs, local)

using Parts = std::vector<std::string>;

Parts split(const std::string& p) {
  Parts out;
  std::stringstream ss(p);
  std::string seg;
  while (std::getline(ss, seg, '/'))
    if (!seg.empty() && seg != ".") out.push_back(seg);
  return out;
}
std::string join(const Parts& parts, size_t n) {
  std::string s;
  for (size_t k = 0; k < n; k++) s += "/" + parts[k];
  return s.empty() ? "/" : s;
}
std::string join(const Parts& parts) { return join(parts, parts.size()); }

std::string canonical(const std::string& p, const char* what) {
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf))
    fail("filesystem", std::string("sandbox fs error: ") + what + ": " + std::strerror(errno) + " (os error " +
                           std::to_string(errno) + ")");
  return buf;
}

bool starts_with(const Parts& path, const Parts& root) {
  if (path.size() < root.size()) return false;
  return std::equal(root.begin(), root.end(), path.begin());
}

// The runtime's resolve_relative: strip one leading '/', join onto the root (an absolute
// remainder replaces it), canonicalise what exists (else the deepest existing ancestor,
// keeping the rest as written), then require the result to lie under the canonical root.
struct Resolved {
  std::string path;
  std::string root;
};
Resolved resolve(const std::string& root, const std::string& rel) {
  std::string clean = !rel.empty() && rel[0] == '/' ? rel.substr(1) : rel;
  Parts joined = !clean.empty() && clean[0] == '/' ? split(clean) : split(root);
  if (clean.empty() || clean[0] != '/')
    for (auto& s : split(clean)) joined.push_back(s);
  std::string joined_s = join(joined);
  Parts canon;
  if (path_exists(joined_s)) {
    canon = split(canonical(joined_s, "resolve path"));
  } else {
    canon = joined;
    for (size_t n = joined.size(); n-- > 0;) {
      std::string parent = join(joined, n);
      if (path_exists(parent)) {
        canon = split(canonical(parent, "resolve parent"));
        for (size_t k = n; k < joined.size(); k++) canon.push_back(joined[k]);
        break;
      }
    }
  }
  std::string canon_root = path_exists(root) ? canonical(root, "resolve root") : join(split(root));
  if (!starts_with(canon, split(canon_root))) fail("filesystem", "sandbox fs error: path traversal outside volume root");
  return {join(canon), canon_root};
}

void create_dir_all(const std::string& p) {
  struct stat st;
  if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
  if (::mkdir(p.c_str(), 0777) == 0) return;
  int e = errno;
  if (e == ENOENT) {
    auto slash = p.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      create_dir_all(p.substr(0, slash));
      if (::mkdir(p.c_str(), 0777) == 0) return;
      e = errno;
    }
  }
  if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
  io_fail(e);
}

std::string parent_dir(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : p.substr(0, slash);
}

void remove_all(const std::string& p) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) io_fail(errno);
  if (!S_ISDIR(st.st_mode)) io_fail(ENOTDIR);
  remove_tree(p);
  if (::lstat(p.c_str(), &st) == 0) io_fail(EACCES);
}

Json ok() {
  Json o = Json::object();
  o.set("ok", true);
  return o;
}

}  // namespace

void validate_volume_name(const std::string& name) {
  if (name.empty()) fail("invalid_config", "invalid config: volume name must not be empty");
  bool valid = std::isalnum(static_cast<unsigned char>(name[0])) && (name[0] & 0x80) == 0;
  for (char c : name)
    if (!((std::isalnum(static_cast<unsigned char>(c)) && (c & 0x80) == 0) || c == '.' || c == '-' || c == '_'))
      valid = false;
  if (!valid)
    fail("invalid_config",
         "invalid config: volume name must start with an alphanumeric character and contain only alphanumeric "
         "characters, dots, hyphens, and underscores: " +
             name);
}

std::optional<Json> volume_record(const std::string& name) {
  VolumeLock lock;
  return load(name);
}

std::vector<std::string> ensure_named_volumes(const Json& volumes) {
  std::vector<std::string> created;
  if (!volumes.is_object()) return created;
  VolumeLock lock;
  try {
    for (auto& kv : volumes.as_object()) {
      const Json& m = kv.second;
      auto named = member(m, "named");
      if (!named || !named->is_string()) continue;
      std::string name = named->as_string();
      validate_volume_name(name);
      std::string mode = member(m, "named_mode") ? m.find("named_mode")->as_string() : "";
      bool exists = load(name).has_value();
      if (exists) {
        if (mode == "create") fail("volume_already_exists", "volume already exists: " + name);
        continue;
      }
      if (mode == "" || mode == "existing") fail("volume_not_found", "volume not found: " + name);
      Spec s;
      s.name = name;
      s.kind = parse_kind(member(m, "named_kind") ? m.find("named_kind")->as_string() : "");
      s.size_mib = u32_field(m, "size_mib", "invalid opts JSON: ");
      s.quota_mib = u32_field(m, "quota_mib", "invalid opts JSON: ");
      validate_spec(s);
      create_locked(s);
      created.push_back(name);
    }
  } catch (...) {
    for (auto& n : created) {
      remove_tree(volume_path(n));
      ::unlink(record_path(n).c_str());
    }
    throw;
  }
  return created;
}

void rollback_named_volumes(const std::vector<std::string>& names) {
  if (names.empty()) return;
  VolumeLock lock;
  for (auto& n : names) {
    remove_tree(volume_path(n));
    ::unlink(record_path(n).c_str());
  }
}

}  // namespace msbd

MSB_EXPORT char* msb_volume_create(uint64_t cancel_id, const char* name_p, const char* opts_p, unsigned char* buf,
                                   uintptr_t buf_len) {
  return run_call("msb_volume_create", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string name = arg_str(name_p);
    Json opts = Json::object();
    if (opts_p) {
      std::string s = arg_str(opts_p);
      if (!s.empty()) {
        try {
          opts = Json::parse(s);
        } catch (const ParseError& e) {
          fail("invalid_argument", std::string("invalid volume opts: ") + e.what());
        }
        if (!opts.is_object()) fail("invalid_argument", "invalid volume opts: invalid type, expected struct VolumeCreateOpts");
      }
    }
    Spec s;
    s.name = name;
    s.quota_mib = u32_field(opts, "quota_mib", "invalid volume opts: ");
    s.size_mib = u32_field(opts, "size_mib", "invalid volume opts: ");
    std::string kind;
    if (auto k = member(opts, "kind")) {
      if (!k->is_string()) fail("invalid_argument", "invalid volume opts: invalid type for `kind`, expected a string");
      kind = k->as_string();
    }
    if (auto l = member(opts, "labels")) {
      if (!l->is_object()) fail("invalid_argument", "invalid volume opts: invalid type for `labels`, expected a map");
      for (auto& kv : l->as_object()) {
        if (!kv.second.is_string())
          fail("invalid_argument", "invalid volume opts: invalid type for a label value, expected a string");
        Json pair = Json::array();
        pair.push(kv.first);
        pair.push(kv.second);
        s.labels.push(pair);
      }
    }
    call.check_cancel();
    s.kind = parse_kind(kind);
    validate_spec(s);
    VolumeLock lock;
    return volume_json(create_locked(s));
  });
}

MSB_EXPORT char* msb_volume_remove(uint64_t cancel_id, const char* name_p, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_volume_remove", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string name = arg_str(name_p);
    call.check_cancel();
    {
      VolumeLock lock;
      if (!load(name)) fail("volume_not_found", "volume not found: " + name);
    }
    // A volume mounted by an active sandbox stays (the runtime checks the same statuses).
    for (auto& rec : all_records()) {
      std::string st = rec.find("status")->as_string();
      if (st != "running" && st != "draining" && st != "paused") continue;
      auto cfg = rec.find("config");
      // the runtime's persisted mounts: [{"type":"Named","name":…,"guest":…}, …]
      auto mounts = cfg ? cfg->find("mounts") : nullptr;
      if (!mounts || !mounts->is_array()) continue;
      for (auto& m : mounts->as_array()) {
        auto t = m.find("type");
        auto n = m.find("name");
        if (t && t->is_string() && t->as_string() == "Named" && n && n->is_string() && n->as_string() == name)
          fail("invalid_config", "invalid config: volume \"" + name + "\" is attached to active sandbox \"" +
                                     rec.find("name")->as_string() + "\"");
      }
    }
    VolumeLock lock;
    if (!load(name)) fail("volume_not_found", "volume not found: " + name);
    ::unlink(record_path(name).c_str());
    remove_tree(volume_path(name));
    return ok();
  });
}

MSB_EXPORT char* msb_volume_list(uint64_t cancel_id, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_volume_list", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    call.check_cancel();
    std::vector<Json> recs;
    {
      VolumeLock lock;
      recs = all_volume_records();
    }
    // Newest first (creation time, then insertion order).
    std::sort(recs.begin(), recs.end(), [](const Json& a, const Json& b) {
      int64_t ta = a.find("created_at_ms")->as_int(), tb = b.find("created_at_ms")->as_int();
      if (ta != tb) return ta > tb;
      return a.find("id")->as_uint() > b.find("id")->as_uint();
    });
    Json out = Json::array();
    for (auto& r : recs) out.push(volume_json(r));
    return out;
  });
}

MSB_EXPORT char* msb_volume_get(uint64_t cancel_id, const char* name_p, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_volume_get", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string name = arg_str(name_p);
    call.check_cancel();
    auto rec = volume_record(name);
    if (!rec) fail("volume_not_found", "volume not found: " + name);
    return volume_json(*rec);
  });
}

MSB_EXPORT char* msb_volume_get_default(uint64_t cancel_id, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_volume_get_default", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    fail("unsupported_operation", "Volume::get_default is not supported by this backend: use a cloud backend");
  });
}

MSB_EXPORT char* msb_volume_fs_op(uint64_t cancel_id, const char* target_p, const char* op_p, const char* args_p,
                                  unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_volume_fs_op", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    std::string target = arg_str(target_p);
    std::string op = arg_str(op_p);
    std::string args_s = arg_str(args_p);
    Json args;
    try {
      args = Json::parse(args_s);
    } catch (const ParseError& e) {
      fail("invalid_argument", std::string("invalid volume fs args: ") + e.what());
    }
    auto pathv = args.is_object() ? args.find("path") : nullptr;
    if (!pathv || !pathv->is_string()) fail("invalid_argument", "missing volume fs path");
    std::string path = pathv->as_string();
    call.check_cancel();
    // The local backend addresses the folder by name (a `cloud-id:` target is just a name here).
    std::string root = volume_path(target);
    bool has_nul = path.find('\0') != std::string::npos;
    // A NUL byte passes the runtime's containment check and then fails the host call.
    auto resolved = [&](bool nul_fails = true) {
      Resolved r = resolve(root, has_nul ? path.substr(0, path.find('\0')) : path);
      if (has_nul && nul_fails) fail("io", "io error: file name contained an unexpected NUL byte");
      return r;
    };
    if (op == "read") {
      Resolved r = resolved();
      int fd = ::open(r.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) io_fail(errno);
      std::string data;
      char chunk[65536];
      while (true) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0) {
          int e = errno;
          ::close(fd);
          io_fail(e);
        }
        if (n == 0) break;
        data.append(chunk, static_cast<size_t>(n));
      }
      ::close(fd);
      Json o = Json::object();
      o.set("data_b64", base64_encode(data));
      return o;
    }
    if (op == "write") {
      auto d = args.find("data_b64");
      if (!d || !d->is_string()) fail("invalid_argument", "missing volume fs data");
      std::string data;
      try {
        data = base64_decode(d->as_string());
      } catch (const ParseError& e) {
        fail("invalid_argument", std::string("invalid base64 data: ") + e.what());
      }
      Resolved r = resolved();
      create_dir_all(parent_dir(r.path));
      int fd = ::open(r.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (fd < 0) io_fail(errno);
      size_t off = 0;
      while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
          int e = errno;
          ::close(fd);
          io_fail(e);
        }
        off += static_cast<size_t>(n);
      }
      ::close(fd);
      return ok();
    }
    if (op == "mkdir") {
      create_dir_all(resolved().path);
      return ok();
    }
    if (op == "remove") {
      auto rec = args.find("recursive");
      bool recursive = rec && rec->is_bool() && rec->as_bool();
      Resolved r = resolved();
      if (recursive) {
        if (r.path == r.root) fail("filesystem", "sandbox fs error: remove_dir cannot target the volume root");
        remove_all(r.path);
      } else if (::unlink(r.path.c_str()) != 0) {
        io_fail(errno);
      }
      return ok();
    }
    if (op == "exists") {
      Resolved r = resolved(false);
      Json o = Json::object();
      o.set("exists", !has_nul && path_exists(r.path));
      return o;
    }
    fail("invalid_argument", "unknown volume fs operation");
  });
}
