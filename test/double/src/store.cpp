#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "sandbox.hpp"

extern char** environ;

namespace msbd {

Registry<SandboxObj>& g_sandboxes = *new Registry<SandboxObj>("sandbox");

// ------------------------------------------------------------ paths and files

std::string sandboxes_root() { return msb_home() + "/sandboxes"; }
std::string sandbox_dir(const std::string& name) { return sandboxes_root() + "/" + name; }
std::string log_dir(const std::string& name) { return sandbox_dir(name) + "/logs"; }

std::string sandbox_root_fs(const Json& rec) {
  if (auto r = rec.find("root"))
    if (r->is_string()) return r->as_string();
  return sandbox_dir(rec.find("name")->as_string()) + "/rootfs";
}

void mkdirs(const std::string& path) {
  std::string cur;
  std::stringstream ss(path);
  std::string part;
  if (!path.empty() && path[0] == '/') cur = "";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    ::mkdir(cur.c_str(), 0755);
  }
}

static bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

static void write_file_atomic(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." +
                    std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) fail("io", "io error: cannot write " + tmp + ": " + std::strerror(errno));
    f << data;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("io", "io error: rename " + tmp + ": " + std::strerror(errno));
}

void remove_tree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = opendir(path.c_str())) {
      while (auto* e = readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        remove_tree(path + "/" + n);
      }
      closedir(d);
    }
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

StoreLock::StoreLock() {
  mkdirs(sandboxes_root());
  fd_ = ::open((sandboxes_root() + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("io", std::string("io error: cannot open sandbox store lock: ") + std::strerror(errno));
  while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}
StoreLock::~StoreLock() {
  if (fd_ >= 0) {
    flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

uint64_t next_record_id() {
  // Caller holds StoreLock.
  std::string path = sandboxes_root() + "/.seq";
  std::string text;
  uint64_t v = 0;
  if (read_file(path, text)) v = std::strtoull(text.c_str(), nullptr, 10);
  v++;
  write_file_atomic(path, std::to_string(v));
  return v;
}

std::optional<Json> load_record(const std::string& name) {
  std::string text;
  if (!read_file(sandbox_dir(name) + "/record.json", text)) return std::nullopt;
  try {
    return Json::parse(text);
  } catch (...) {
    return std::nullopt;
  }
}

void save_record(const Json& rec) {
  std::string name = rec.find("name")->as_string();
  mkdirs(sandbox_dir(name));
  write_file_atomic(sandbox_dir(name) + "/record.json", rec.dump());
}

void delete_sandbox_state(const std::string& name) { remove_tree(sandbox_dir(name)); }

bool is_terminal(const std::string& s) { return s == "stopped" || s == "crashed"; }

static bool proc_stat(pid_t pid, char& state, uint64_t& start) {
  std::string text;
  if (!read_file("/proc/" + std::to_string(pid) + "/stat", text)) return false;
  auto rp = text.rfind(')');
  if (rp == std::string::npos) return false;
  std::istringstream ss(text.substr(rp + 2));
  std::string field;
  ss >> state;
  // fields after state: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime
  for (int i = 0; i < 18; i++) ss >> field;
  ss >> start;
  return true;
}

uint64_t pid_start_time(pid_t pid) {
  char st;
  uint64_t start = 0;
  if (!proc_stat(pid, st, start)) return 0;
  return start;
}

bool vm_alive(const Json& rec) {
  auto p = rec.find("pid");
  if (!p || !p->is_integer()) return false;
  pid_t pid = static_cast<pid_t>(p->as_int());
  if (pid <= 0) return false;
  char st;
  uint64_t start = 0;
  if (!proc_stat(pid, st, start)) return false;
  if (st == 'Z' || st == 'X') return false;
  auto ps = rec.find("pid_start");
  return ps && ps->is_integer() && ps->as_uint() == start;
}

static std::string rec_status(const Json& rec) { return rec.find("status")->as_string(); }
static bool rec_ephemeral(const Json& rec) {
  auto e = rec.find("ephemeral");
  return e && e->is_bool() && e->as_bool();
}

std::optional<Json> reconcile(Json rec) {
  std::string st = rec_status(rec);
  std::string name = rec.find("name")->as_string();
  if ((st == "running" || st == "draining") && !vm_alive(rec)) {
    // A VM that has not reported readiness yet (pid 0) is still booting in some process.
    auto p = rec.find("pid");
    bool booting = p && p->is_integer() && p->as_int() == 0;
    if (booting) {
      // A boot whose owner process died (or gave up) never reports its VM.
      auto bp = rec.find("boot_owner_pid");
      pid_t owner = bp && bp->is_integer() ? static_cast<pid_t>(bp->as_int()) : 0;
      if (owner <= 0 || ::kill(owner, 0) != 0) booting = false;
    }
    if (!booting) {
      rec.set("status", st == "running" ? "crashed" : "stopped");
      rec.set("pid", 0);
      save_record(rec);
      append_system_log(name, st == "running" ? "sandbox process is gone; status reconciled to crashed"
                                              : "sandbox process is gone; status reconciled to stopped");
      st = rec_status(rec);
    }
  }
  if (is_terminal(st) && rec_ephemeral(rec)) {
    delete_sandbox_state(name);
    return std::nullopt;
  }
  return rec;
}

std::optional<Json> lookup(const std::string& name) {
  StoreLock lock;
  auto rec = load_record(name);
  if (!rec) return std::nullopt;
  return reconcile(*rec);
}

std::vector<Json> all_records() {
  StoreLock lock;
  std::vector<Json> out;
  DIR* d = opendir(sandboxes_root().c_str());
  if (!d) return out;
  std::vector<std::string> names;
  while (auto* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.empty() || n[0] == '.') continue;
    names.push_back(n);
  }
  closedir(d);
  for (auto& n : names) {
    auto rec = load_record(n);
    if (!rec) continue;
    auto r = reconcile(*rec);
    if (r) out.push_back(*r);
  }
  return out;
}

static int64_t file_mtime(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mtime;
}

Json sandbox_info(const Json& rec) {
  std::string name = rec.find("name")->as_string();
  Json o = Json::object();
  o.set("name", name);
  o.set("status", rec_status(rec));
  o.set("config_json", rec.find("config")->dump());
  o.set("created_at_unix", *rec.find("created_at"));
  o.set("updated_at_unix", file_mtime(sandbox_dir(name) + "/record.json"));
  o.set("backend_kind", "local");
  return o;
}

void set_status(const std::string& name, uint64_t boot_id, const std::string& status) {
  StoreLock lock;
  auto rec = load_record(name);
  if (!rec) return;
  auto b = rec->find("boot_id");
  if (boot_id && (!b || b->as_uint() != boot_id)) return;
  rec->set("status", status);
  if (is_terminal(status)) rec->set("pid", 0);
  if (is_terminal(status) && rec_ephemeral(*rec)) {
    delete_sandbox_state(name);
    return;
  }
  save_record(*rec);
}

void validate_name(const std::string& name) {
  if (name.empty()) fail("invalid_config", "invalid config: sandbox name must not be empty");
  if (name.size() > 128) fail("invalid_config", "invalid config: sandbox name must be at most 128 bytes");
  if (!isalnum(static_cast<unsigned char>(name[0])) || static_cast<unsigned char>(name[0]) > 127)
    fail("invalid_config", "invalid config: sandbox name must start with an ASCII letter or digit: " + name);
  for (unsigned char c : name)
    if (!(isalnum(c) || c == '.' || c == '_' || c == '-') || c > 127)
      fail("invalid_config", "invalid config: sandbox name may only contain [A-Za-z0-9._-]: " + name);
}

// ------------------------------------------------------------ system log

void append_system_log(const std::string& name, const std::string& line) {
  std::string dir = log_dir(name);
  struct stat st;
  if (stat(sandbox_dir(name).c_str(), &st) != 0) return;
  mkdirs(dir);
  Json e = Json::object();
  e.set("source", "system");
  e.set("session_id", nullptr);
  e.set("timestamp_ms", now_ms());
  e.set("data_b64", base64_encode(line + "\n"));
  std::string text = e.dump() + "\n";
  int fd = ::open((dir + "/runtime.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t n = ::write(fd, text.data(), text.size());
  (void)n;
  ::close(fd);
}

// ------------------------------------------------------------ frames and sockets

bool write_frame(int fd, const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  unsigned char hdr[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                          static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  std::string data(reinterpret_cast<char*>(hdr), 4);
  data += payload;
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(w);
  }
  return true;
}

static bool read_exact(int fd, char* p, size_t n) {
  size_t off = 0;
  while (off < n) {
    ssize_t r = ::read(fd, p + off, n - off);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (r == 0) return false;
    off += static_cast<size_t>(r);
  }
  return true;
}

bool read_frame(int fd, std::string& out) {
  unsigned char hdr[4];
  if (!read_exact(fd, reinterpret_cast<char*>(hdr), 4)) return false;
  uint32_t n = (uint32_t(hdr[0]) << 24) | (uint32_t(hdr[1]) << 16) | (uint32_t(hdr[2]) << 8) | hdr[3];
  out.resize(n);
  return n == 0 || read_exact(fd, &out[0], n);
}

static socklen_t abstract_addr(const std::string& addr, sockaddr_un& sa) {
  std::memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  size_t n = std::min(addr.size(), sizeof(sa.sun_path) - 1);
  std::memcpy(sa.sun_path + 1, addr.data(), n);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
}

int connect_abstract(const std::string& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un sa;
  socklen_t len = abstract_addr(addr, sa);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int listen_abstract(const std::string& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un sa;
  socklen_t len = abstract_addr(addr, sa);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd, 512) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

AgentConn::~AgentConn() { close_fd(); }
void AgentConn::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void AgentConn::open(const std::string& addr, Token* tok, int64_t timeout_ms) {
  int64_t deadline = mono_ms() + timeout_ms;
  while (true) {
    fd_ = connect_abstract(addr);
    if (fd_ >= 0) break;
    if (mono_ms() >= deadline) fail("internal", "agent client error: cannot connect to the sandbox agent relay");
    sleep_ms(tok, 20);
  }
  Json hello = Json::object();
  hello.set("op", "hello");
  send(hello);
  auto r = recv(tok, std::max<int64_t>(1, deadline - mono_ms()));
  if (!r) fail("internal", "agent client error: connection closed during handshake");
}

void AgentConn::send(const Json& j) {
  if (fd_ < 0 || !write_frame(fd_, j.dump())) fail("internal", "agent client error: connection closed");
}

std::optional<Json> AgentConn::recv(Token* tok, int64_t timeout_ms) {
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : mono_ms() + timeout_ms;
  while (true) {
    if (tok && tok->fired()) throw Cancelled{};
    pollfd p{fd_, POLLIN, 0};
    int64_t left = deadline == INT64_MAX ? 25 : std::min<int64_t>(25, deadline - mono_ms());
    if (left < 0) left = 0;
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) break;
    if (r < 0 && errno != EINTR) fail("internal", "agent client error: poll failed");
    if (mono_ms() >= deadline) fail("internal", "agent client error: timed out waiting for the agent");
  }
  std::string frame;
  if (!read_frame(fd_, frame)) return std::nullopt;
  return Json::parse(frame);
}

Json agent_request(const std::string& addr, const Json& req, Token* tok, int64_t timeout_ms) {
  AgentConn c;
  c.open(addr, tok, timeout_ms);
  c.send(req);
  auto r = c.recv(tok, timeout_ms);
  if (!r) fail("internal", "agent client error: connection closed");
  if (auto e = r->find("error")) fail("internal", "agent client error: " + e->as_string());
  return *r;
}

// The runtime's status names (Rust Debug of its enum): "stopped" → "Stopped".
std::string rust_status(const std::string& status) {
  std::string out = status;
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string agent_address(const Json& rec, const char* operation) {
  std::string st = rec_status(rec);
  if (st != "running" && st != "draining")
    fail("sandbox_not_running", "sandbox '" + rec.find("name")->as_string() + "' is not running (status: " +
                                    rust_status(st) + ")" + (operation ? std::string("; cannot ") + operation : ""));
  auto a = rec.find("agent");
  if (!a || !a->is_string() || !vm_alive(rec))
    fail("internal", "agent client error: the sandbox agent relay is not available");
  return a->as_string();
}

// ------------------------------------------------------------ item streams

Json ItemStream::recv(Call& call, const char* busy_message) {
  std::unique_lock<std::mutex> busy(recv_m, std::try_to_lock);
  if (!busy.owns_lock()) fail("internal", busy_message);
  std::unique_lock<std::mutex> lk(w->m);
  wait_on(lk, w, call.token, -1, [&] { return !items.empty() || done; }, &call.lost_race);
  if (call.lost_race) return Json();
  if (items.empty()) {
    Json o = Json::object();
    o.set("done", true);
    return o;
  }
  auto item = std::move(items.front());
  items.pop_front();
  w->cv.notify_all();
  lk.unlock();
  if (item.first) fail(item.second.find("kind")->as_string(), item.second.find("message")->as_string());
  return item.second;
}

void ItemStream::close() {
  closed.store(true);
  w->notify();
}

// ------------------------------------------------------------ VM processes

SandboxObj::~SandboxObj() {
  if (watchdog_fd >= 0) ::close(watchdog_fd);
}

static std::string vm_program() {
  if (const char* p = std::getenv("MSBD_VM_PATH"))
    if (*p) return p;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&vm_program), &info) && info.dli_fname) {
    std::string so = info.dli_fname;
    auto slash = so.rfind('/');
    return (slash == std::string::npos ? std::string(".") : so.substr(0, slash)) + "/msb-double-vm";
  }
  return "msb-double-vm";
}

static std::string hex64(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}
static uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

static void start_reaper(const VmProcP& proc) {
  std::thread([proc] {
    int status = 0;
    while (waitpid(proc->pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::lock_guard<std::mutex> g(proc->w->m);
    proc->exited = true;
    proc->status = status;
    proc->w->cv.notify_all();
  }).detach();
}

static void kill_vm_tree(pid_t pid, const std::string& name) {
  // The VM's exec sessions run in their own process groups, listed in procs. The VM
  // process dies first: a real VM's guest vanishes at once, so no session may report an
  // exit (a VM still alive while its children die would send `exited` with a signal).
  std::string text;
  bool listed = read_file(sandbox_dir(name) + "/procs", text);
  if (pid > 0) ::kill(pid, SIGKILL);
  if (listed) {
    std::istringstream ss(text);
    long pg;
    while (ss >> pg)
      if (pg > 1) ::kill(static_cast<pid_t>(-pg), SIGKILL);
  }
}

SandboxP boot_sandbox(Call& call, Json rec, bool detached) {
  std::string name = rec.find("name")->as_string();
  uint64_t boot_id;
  {
    StoreLock lock;
    boot_id = next_record_id();
    rec.set("status", "running");
    rec.set("pid", 0);
    rec.set("pid_start", 0);
    rec.set("boot_id", boot_id);
    rec.set("boot_owner_pid", static_cast<int64_t>(getpid()));
    rec.set("agent", "msbd-" + hex64(fnv1a(msb_home())) + "-" + std::to_string(boot_id));
    save_record(rec);
  }
  mkdirs(log_dir(name));
  mkdirs(sandbox_root_fs(rec));
  append_system_log(name, "booting sandbox (boot " + std::to_string(boot_id) + ")");

  auto boot_failed = [&](const std::string& kind, const std::string& msg) {
    set_status(name, boot_id, "stopped");
    fail(kind, msg);
  };

  // Configurable boot delay (cancellable, like a VM that is still booting).
  try {
    sleep_ms(call.token, config_int("boot_delay_ms", 0));
  } catch (const Cancelled&) {
    // Dropping the future mid-boot leaves the record "running" with no VM: the next
    // read reconciles it (docs/runtime-abi.md §2.3).
    StoreLock lock;
    auto cur = load_record(name);
    if (cur && cur->find("boot_id")->as_uint() == boot_id) {
      cur->set("boot_owner_pid", 0);
      save_record(*cur);
    }
    throw;
  }

  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) boot_failed("io", "io error: pipe");
  int wd[2] = {-1, -1};
  if (!detached && pipe2(wd, O_CLOEXEC) != 0) boot_failed("io", "io error: pipe");

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::string vmlog = log_dir(name) + "/vm.out";
  posix_spawn_file_actions_addopen(&fa, 1, vmlog.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_adddup2(&fa, ready[1], 3);
  if (!detached) posix_spawn_file_actions_adddup2(&fa, wd[0], 4);

  std::string prog = vm_program();
  std::string home = msb_home();
  std::string boot = std::to_string(boot_id);
  std::string wdarg = detached ? "-" : "4";
  std::vector<char*> argv = {const_cast<char*>(prog.c_str()), const_cast<char*>(home.c_str()),
                             const_cast<char*>(name.c_str()), const_cast<char*>(boot.c_str()),
                             const_cast<char*>(wdarg.c_str()), nullptr};
  std::vector<std::string> envs;
  for (char** e = environ; *e; e++) {
    if (std::strncmp(*e, "MSBD_VM_", 8) == 0 || std::strncmp(*e, "MSB_HOME=", 9) == 0) continue;
    envs.push_back(*e);
  }
  envs.push_back("MSB_HOME=" + home);
  Json failmsg = config_get("boot_fail");
  if (failmsg.is_string()) envs.push_back("MSBD_VM_BOOT_FAIL=" + failmsg.as_string());
  int64_t crash_after = config_int("crash_after_ms", 0);
  if (crash_after > 0) envs.push_back("MSBD_VM_CRASH_AFTER_MS=" + std::to_string(crash_after));
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(ready[1]);
  if (!detached) ::close(wd[0]);
  if (rc != 0) {
    ::close(ready[0]);
    if (!detached) ::close(wd[1]);
    boot_failed("internal", std::string("runtime error: failed to spawn the sandbox process: ") + std::strerror(rc));
  }
  auto proc = std::make_shared<VmProc>();
  proc->pid = pid;
  start_reaper(proc);

  // Wait for the agent relay (the VM writes 'R' once it listens).
  bool ok = false;
  try {
    while (true) {
      call.check_cancel();
      pollfd p{ready[0], POLLIN, 0};
      int r = ::poll(&p, 1, 20);
      if (r > 0) {
        char c = 0;
        ssize_t n = ::read(ready[0], &c, 1);
        ok = n == 1 && c == 'R';
        break;
      }
    }
  } catch (const Cancelled&) {
    ::close(ready[0]);
    if (!detached) ::close(wd[1]);
    kill_vm_tree(pid, name);
    StoreLock lock;
    auto cur = load_record(name);
    if (cur && cur->find("boot_id")->as_uint() == boot_id) {
      cur->set("pid", static_cast<int64_t>(pid));
      cur->set("boot_owner_pid", 0);
      save_record(*cur);
    }
    throw;
  }
  ::close(ready[0]);
  if (!ok) {
    if (!detached) ::close(wd[1]);
    kill_vm_tree(pid, name);
    {
      std::unique_lock<std::mutex> lk(proc->w->m);
      wait_on(lk, proc->w, nullptr, 5000, [&] { return proc->exited; });
    }
    int st = proc->status;
    // The runtime's words (0.6.14): Rust's ExitStatus display inside the message, the
    // system log ends with the runtime's "sandbox stopped" marker.
    std::string how;
    if (WIFEXITED(st)) {
      how = "exit status: " + std::to_string(WEXITSTATUS(st));
    } else {
      const char* abbrev = sigabbrev_np(WTERMSIG(st));
      how = "signal: " + std::to_string(WTERMSIG(st)) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
    }
    append_system_log(name, "--- sandbox stopped ---");
    boot_failed("internal",
                "failed to start \"" + name + "\": sandbox process exited (" + how + ") before agent relay became available");
  }
  {
    StoreLock lock;
    auto cur = load_record(name);
    if (cur && cur->find("boot_id")->as_uint() == boot_id) {
      cur->set("pid", static_cast<int64_t>(pid));
      cur->set("pid_start", pid_start_time(pid));
      save_record(*cur);
    }
  }
  auto obj = std::make_shared<SandboxObj>();
  obj->name = name;
  obj->boot_id = boot_id;
  obj->agent = rec.find("agent")->as_string();
  obj->owns = !detached;
  obj->ephemeral = rec_ephemeral(rec);
  obj->proc = proc;
  obj->watchdog_fd = detached ? -1 : wd[1];
  return obj;
}

// ------------------------------------------------------------ stop machinery

// Under the store lock: running -> draining. The record when it is running or draining.
static std::optional<Json> mark_draining(const std::string& name) {
  StoreLock lock;
  auto raw = load_record(name);
  if (!raw) return std::nullopt;
  auto rec = reconcile(*raw);
  if (!rec) return std::nullopt;
  std::string st = rec_status(*rec);
  if (st != "running" && st != "draining") return std::nullopt;
  if (st == "running") {
    rec->set("status", "draining");
    save_record(*rec);
  }
  return rec;
}

void request_stop(const std::string& name) {
  auto rec = mark_draining(name);
  if (!rec) return;
  append_system_log(name, "stop requested");
  try {
    Json req = Json::object();
    req.set("op", "shutdown");
    agent_request(rec->find("agent")->as_string(), req, nullptr, 2000);
  } catch (...) {
    // Agent unreachable: graceful termination signal to the VM process instead.
    if (vm_alive(*rec)) ::kill(static_cast<pid_t>(rec->find("pid")->as_int()), SIGTERM);
  }
}

void request_drain(const std::string& name) {
  auto rec = mark_draining(name);
  if (rec && vm_alive(*rec)) ::kill(static_cast<pid_t>(rec->find("pid")->as_int()), SIGUSR1);
}

void request_kill(Call& call, const std::string& name) {
  auto rec = lookup(name);
  if (!rec) return;
  std::string st = rec_status(*rec);
  if (st != "running" && st != "draining") return;
  pid_t pid = static_cast<pid_t>(rec->find("pid")->as_int());
  uint64_t boot_id = rec->find("boot_id")->as_uint();
  if (vm_alive(*rec)) kill_vm_tree(pid, name);
  int64_t deadline = mono_ms() + 5000;
  while (vm_alive(*rec) && mono_ms() < deadline) sleep_ms(call.token, 10);
  append_system_log(name, "sandbox killed");
  set_status(name, boot_id, "stopped");
}

bool wait_terminal(Call& call, const std::string& name, const SandboxP&, int64_t timeout_ms) {
  int64_t deadline = mono_ms() + timeout_ms;
  while (true) {
    auto rec = lookup(name);
    if (!rec || is_terminal(rec_status(*rec))) return true;
    if (mono_ms() >= deadline) return false;
    sleep_ms(call.token, std::min<int64_t>(20, std::max<int64_t>(1, deadline - mono_ms())));
  }
}

void stop_sandbox(Call& call, const std::string& name, const SandboxP& owner, uint64_t timeout_ms) {
  if (timeout_ms == 0) {
    request_kill(call, name);
    if (!wait_terminal(call, name, owner, 5000))
      fail("internal", "timed out observing stopped state for sandbox '" + name + "'");
    return;
  }
  request_stop(name);
  if (wait_terminal(call, name, owner, static_cast<int64_t>(std::min<uint64_t>(timeout_ms, INT64_MAX / 4))))
    return;
  request_kill(call, name);
  if (!wait_terminal(call, name, owner, 5000))
    fail("internal", "timed out observing stopped state for sandbox '" + name + "'");
}

void kill_sandbox(Call& call, const std::string& name, const SandboxP& owner, uint64_t timeout_ms) {
  request_kill(call, name);
  if (!wait_terminal(call, name, owner, static_cast<int64_t>(std::min<uint64_t>(timeout_ms, INT64_MAX / 4))))
    fail("internal", "timed out observing stopped state for sandbox '" + name + "'");
}

Json wait_until_stopped(Call& call, const std::string& name, const SandboxP& owner, bool ephemeral) {
  Json out = Json::object();
  out.set("name", name);
  if (owner && owner->owns && owner->proc) {
    auto& p = owner->proc;
    std::unique_lock<std::mutex> lk(p->w->m);
    wait_on(lk, p->w, call.token, -1, [&] { return p->exited; });
    int st = p->status;
    lk.unlock();
    // The runtime marks the record when its VM exits; make sure a killed VM is reconciled.
    lookup(name);
    out.set("status", "stopped");
    out.set("exit_code", WIFEXITED(st) ? Json(static_cast<int64_t>(WEXITSTATUS(st))) : Json());
    out.set("signal", WIFSIGNALED(st) ? Json(static_cast<int64_t>(WTERMSIG(st))) : Json());
    out.set("observed_at_unix", now_ms() / 1000);
    out.set("source", "owned process wait");
    return out;
  }
  bool seen = false;
  while (true) {
    auto rec = lookup(name);
    if (!rec) {
      if (seen && ephemeral) {
        out.set("status", "stopped");
        out.set("exit_code", nullptr);
        out.set("signal", nullptr);
        out.set("observed_at_unix", now_ms() / 1000);
        out.set("source", "ephemeral cleanup removed persisted state");
        return out;
      }
      fail("sandbox_not_found", "sandbox not found: " + name);
    }
    if (!seen) {
      seen = true;
      ephemeral = ephemeral || rec_ephemeral(*rec);
    }
    std::string st = rec_status(*rec);
    if (is_terminal(st)) {
      out.set("status", st);
      out.set("exit_code", nullptr);
      out.set("signal", nullptr);
      out.set("observed_at_unix", now_ms() / 1000);
      out.set("source", "refreshed backend state");
      return out;
    }
    sleep_ms(call.token, 100);
  }
}

}  // namespace msbd
