// SHA-256, tar reading/writing and host-file helpers shared by image.cpp and snapshot.cpp.
#include "archive.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sandbox.hpp"

namespace msbd {

// ------------------------------------------------------------ SHA-256 (FIPS 180-4)
namespace {
const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

struct Sha256 {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char block[64];
  size_t fill = 0;
  uint64_t total = 0;
  static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void compress(const unsigned char* p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t(p[4 * i]) << 24) | (uint32_t(p[4 * i + 1]) << 16) | (uint32_t(p[4 * i + 2]) << 8) | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
      uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      uint32_t ch = (e & f) ^ (~e & g);
      uint32_t t1 = hh + S1 + ch + K[i] + w[i];
      uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
      uint32_t t2 = S0 + mj;
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  void update(const unsigned char* p, size_t n) {
    total += n;
    while (n > 0) {
      size_t take = std::min(n, 64 - fill);
      std::memcpy(block + fill, p, take);
      fill += take; p += take; n -= take;
      if (fill == 64) { compress(block); fill = 0; }
    }
  }
  std::string hex() {
    uint64_t bits = total * 8;
    unsigned char pad = 0x80;
    update(&pad, 1);
    unsigned char zero = 0;
    while (fill != 56) update(&zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(len, 8);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint32_t v : h)
      for (int s = 28; s >= 0; s -= 4) out += digits[(v >> s) & 0xf];
    return out;
  }
};
}  // namespace

std::string sha256_hex(const std::string& data) {
  Sha256 s;
  s.update(reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return s.hex();
}

std::string sha256_file_hex(const std::string& path, const Call* call) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("io", "io error: " + path + ": " + std::strerror(errno));
  Sha256 s;
  std::vector<unsigned char> buf(1 << 16);
  for (;;) {
    if (call) call->check_cancel();
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail("io", "io error: " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    s.update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return s.hex();
}

namespace arc {

// ------------------------------------------------------------ host helpers
bool exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}
bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
uint64_t file_size(const std::string& p) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) fail("io", "io error: " + p + ": " + std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}
std::string read_file(const std::string& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("io", "io error: " + p + ": " + std::strerror(errno));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}
static void write_all(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) fail("io", "io error: " + path + ": " + std::strerror(errno));
    p += w;
    n -= static_cast<size_t>(w);
  }
}
void write_file_atomic(const std::string& p, const std::string& data) {
  std::string tmp = p + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("io", "io error: " + tmp + ": " + std::strerror(errno));
  write_all(fd, data.data(), data.size(), tmp);
  ::close(fd);
  if (::rename(tmp.c_str(), p.c_str()) != 0) fail("io", "io error: " + p + ": " + std::strerror(errno));
}
std::vector<std::string> list_dir(const std::string& p) {
  std::vector<std::string> out;
  DIR* d = ::opendir(p.c_str());
  if (!d) return out;
  while (auto e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}
std::string dirname(const std::string& p) {
  auto s = p.find_last_of('/');
  if (s == std::string::npos) return ".";
  if (s == 0) return "/";
  return p.substr(0, s);
}
std::string basename(const std::string& p) {
  auto s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}
std::string absolute(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf)) return buf;
  if (!p.empty() && p[0] == '/') return p;
  if (::getcwd(buf, sizeof buf)) return std::string(buf) + "/" + p;
  return p;
}

// ------------------------------------------------------------ tar
namespace {
uint64_t octal(const char* p, size_t n) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == 0)) i++;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) v = v * 8 + static_cast<uint64_t>(p[i] - '0');
  return v;
}
std::string field(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }
std::string normalise(std::string p) {
  while (p.rfind("./", 0) == 0) p = p.substr(2);
  while (!p.empty() && p[0] == '/') p = p.substr(1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}
// "N key=value\n" records.
void pax(const std::string& data, std::string& path, std::string& link) {
  size_t i = 0;
  while (i < data.size()) {
    size_t sp = data.find(' ', i);
    if (sp == std::string::npos) break;
    size_t len = std::strtoul(data.substr(i, sp - i).c_str(), nullptr, 10);
    if (len == 0 || i + len > data.size()) break;
    std::string rec = data.substr(sp + 1, i + len - sp - 2);
    auto eq = rec.find('=');
    if (eq != std::string::npos) {
      if (rec.substr(0, eq) == "path") path = rec.substr(eq + 1);
      if (rec.substr(0, eq) == "linkpath") link = rec.substr(eq + 1);
    }
    i += len;
  }
}
}  // namespace

std::vector<Entry> read_tar(const std::string& file, const Call* call, const std::string& kind,
                            const std::string& prefix) {
  std::string all;
  {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("io", "io error: " + file + ": " + std::strerror(errno));
    ::close(fd);
    all = read_file(file);
  }
  std::vector<Entry> out;
  size_t off = 0;
  std::string next_path, next_link;
  while (off + 512 <= all.size()) {
    if (call) call->check_cancel();
    const char* h = all.data() + off;
    bool zero = true;
    for (int i = 0; i < 512; i++)
      if (h[i] != 0) {
        zero = false;
        break;
      }
    if (zero) break;
    uint64_t sum = 0;
    for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    if (sum != octal(h + 148, 8)) fail(kind, prefix + "malformed tar header at offset " + std::to_string(off));
    uint64_t size = octal(h + 124, 12);
    char type = h[156] == 0 ? '0' : h[156];
    std::string name = field(h, 100);
    if (std::memcmp(h + 257, "ustar", 5) == 0) {
      std::string pre = field(h + 345, 155);
      if (!pre.empty()) name = pre + "/" + name;
    }
    off += 512;
    if (off + size > all.size()) fail(kind, prefix + "truncated tar entry " + name);
    std::string data = all.substr(off, size);
    off += (size + 511) / 512 * 512;
    if (type == 'x') {
      pax(data, next_path, next_link);
      continue;
    }
    if (type == 'g') continue;
    if (type == 'L') {
      next_path = field(data.data(), data.size());
      continue;
    }
    if (type == 'K') {
      next_link = field(data.data(), data.size());
      continue;
    }
    Entry e;
    e.path = normalise(next_path.empty() ? name : next_path);
    e.link = next_link.empty() ? field(h + 157, 100) : next_link;
    next_path.clear();
    next_link.clear();
    e.mode = static_cast<uint32_t>(octal(h + 100, 8)) & 07777;
    if (type == '0' || type == '7') {
      e.type = '0';
      e.data = std::move(data);
    } else if (type == '5') {
      e.type = '5';
    } else if (type == '2') {
      e.type = '2';
    } else {
      continue;  // hard links, devices, fifos: not needed here
    }
    if (!e.path.empty()) out.push_back(std::move(e));
  }
  return out;
}

TarWriter::TarWriter(const std::string& path) : path_(path), tmp_(path + ".partial") {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("io", "io error: " + path + ": " + std::strerror(errno));
}
TarWriter::~TarWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}
void TarWriter::header(const std::string& name, char type, uint64_t size, uint32_t mode, const std::string& link) {
  if (name.size() > 100) {
    // GNU long name record.
    std::string longname = name + '\0';
    header("././@LongLink", 'L', longname.size(), 0644, "");
    std::string padded = longname;
    padded.resize((longname.size() + 511) / 512 * 512, '\0');
    write_all(fd_, padded.data(), padded.size(), path_);
  }
  char h[512];
  std::memset(h, 0, sizeof h);
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(h + 100, 8, "%07o", mode & 07777);
  std::snprintf(h + 108, 8, "%07o", 0);
  std::snprintf(h + 116, 8, "%07o", 0);
  std::snprintf(h + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(h + 136, 12, "%011o", 0);
  h[156] = type;
  std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(h + 257, "ustar\0", 6);
  std::memcpy(h + 263, "00", 2);
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++) sum += static_cast<unsigned char>(h[i]);
  std::snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  write_all(fd_, h, 512, path_);
}
void TarWriter::add_file(const std::string& name, const std::string& data, uint32_t mode) {
  header(name, '0', data.size(), mode, "");
  write_all(fd_, data.data(), data.size(), path_);
  size_t pad = (512 - data.size() % 512) % 512;
  std::string zeros(pad, '\0');
  write_all(fd_, zeros.data(), zeros.size(), path_);
}
void TarWriter::add_dir(const std::string& name, uint32_t mode) { header(name + "/", '5', 0, mode, ""); }
void TarWriter::add_symlink(const std::string& name, const std::string& target) {
  header(name, '2', 0, 0777, target);
}
void TarWriter::finish() {
  std::string zeros(1024, '\0');
  write_all(fd_, zeros.data(), zeros.size(), path_);
  ::fsync(fd_);
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("io", "io error: " + path_ + ": " + std::strerror(errno));
}

void tar_tree(TarWriter& w, const std::string& root, const std::string& prefix) {
  for (auto& n : list_dir(root)) {
    std::string full = root + "/" + n;
    std::string rel = prefix.empty() ? n : prefix + "/" + n;
    struct stat st;
    if (::lstat(full.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      w.add_dir(rel, st.st_mode & 07777);
      tar_tree(w, full, rel);
    } else if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX];
      ssize_t len = ::readlink(full.c_str(), buf, sizeof buf);
      if (len >= 0) w.add_symlink(rel, std::string(buf, static_cast<size_t>(len)));
    } else if (S_ISREG(st.st_mode)) {
      w.add_file(rel, read_file(full), st.st_mode & 07777);
    }
  }
}

void untar_into(const std::vector<Entry>& entries, const std::string& root, const std::string& strip) {
  mkdirs(root);
  for (auto& e : entries) {
    std::string rel = e.path;
    if (!strip.empty()) {
      if (rel == strip) continue;
      if (rel.rfind(strip + "/", 0) != 0) continue;
      rel = rel.substr(strip.size() + 1);
    }
    // Never write outside the root.
    if (rel.empty() || rel == ".." || rel.rfind("../", 0) == 0 || rel.find("/../") != std::string::npos) continue;
    std::string dst = root + "/" + rel;
    if (e.type == '5') {
      mkdirs(dst);
    } else if (e.type == '2') {
      mkdirs(dirname(dst));
      ::unlink(dst.c_str());
      if (::symlink(e.link.c_str(), dst.c_str()) != 0) fail("io", "io error: " + dst + ": " + std::strerror(errno));
    } else {
      mkdirs(dirname(dst));
      int fd = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, e.mode ? e.mode : 0644);
      if (fd < 0) fail("io", "io error: " + dst + ": " + std::strerror(errno));
      write_all(fd, e.data.data(), e.data.size(), dst);
      ::close(fd);
    }
  }
}

}  // namespace arc
}  // namespace msbd
