// msb-double-vm: the process that stands in for a microVM in the runtime double.
// It is the sandbox's "guest": it serves the agent channel (ping, touch, exec, shutdown),
// runs exec sessions as real host processes rooted in the sandbox folder, writes the
// exec log, and enforces the sandbox lifecycle (watchdog, drain, max duration, idle
// timeout). argv: <msb_home> <name> <boot_id> <watchdog fd or ->
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "sandbox.hpp"

using namespace msbd;

namespace {

std::string g_name;
uint64_t g_boot_id = 0;
Json g_rec;
std::string g_root;

std::mutex g_m;  // guards the fields below
bool g_draining = false;
bool g_shutting_down = false;
bool g_watchdog_armed = false;
uint64_t g_activity_seq = 1;
int64_t g_last_activity = 0;
uint64_t g_next_session = 1;
std::set<pid_t> g_pgids;
int g_running_execs = 0;
int g_wake[2];

std::mutex g_log_m;

void wake_main() {
  char c = 1;
  ssize_t n = ::write(g_wake[1], &c, 1);
  (void)n;
}

void note_activity() {
  std::lock_guard<std::mutex> g(g_m);
  g_last_activity = mono_ms();
}

void write_procs_locked() {
  std::string text;
  for (pid_t p : g_pgids) text += std::to_string(p) + "\n";
  std::string path = sandbox_dir(g_name) + "/procs";
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << text;
  }
  ::rename(tmp.c_str(), path.c_str());
}

int g_log_fd = -1;  // exec.log, opened once (guarded by g_log_m)

void exec_log_b64(const std::string& source, uint64_t session, const std::string& b64) {
  std::string line = "{\"source\":\"" + source + "\",\"session_id\":" + std::to_string(session) +
                     ",\"timestamp_ms\":" + std::to_string(now_ms()) + ",\"data_b64\":\"" + b64 + "\"}\n";
  std::lock_guard<std::mutex> g(g_log_m);
  if (g_log_fd < 0) {
    g_log_fd = ::open((log_dir(g_name) + "/exec.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (g_log_fd < 0) return;
  }
  ssize_t w = ::write(g_log_fd, line.data(), line.size());
  (void)w;
}

std::string map_guest_path(const std::string& p) {
  if (p.empty() || p[0] != '/') return g_root + "/" + p;
  if (p == "/") return g_root;
  return g_root + p;
}

std::string config_string(const char* section, const char* key) {
  const Json* cfg = g_rec.find("config");
  if (!cfg) return "";
  if (section) {
    cfg = cfg->find(section);
    if (!cfg) return "";
  }
  auto v = cfg->find(key);
  return v && v->is_string() ? v->as_string() : "";
}

uint64_t lifecycle_secs(const char* key) {
  const Json* cfg = g_rec.find("config");
  if (!cfg) return 0;
  auto l = cfg->find("lifecycle");
  if (!l) return 0;
  auto v = l->find(key);
  return v && v->is_integer() ? v->as_uint() : 0;
}

// ------------------------------------------------------------ exec sessions

struct Session {
  int conn = -1;
  std::mutex send_m;
  bool client_gone = false;
  pid_t pid = -1;
  int stdin_fd = -1;
  int pty_master = -1;
  uint64_t id = 0;
  std::mutex stdin_m;
  std::condition_variable stdin_cv;
  std::vector<std::string> stdin_q;  // empty string = EOF
  bool stdin_done = false;

  void send(const Json& j) {
    std::lock_guard<std::mutex> g(send_m);
    if (client_gone) return;
    if (!write_frame(conn, j.dump())) client_gone = true;
  }
};
using SessionP = std::shared_ptr<Session>;

Json failed_event(const std::string& kind, int err, const std::string& message, const char* stage) {
  Json e = Json::object();
  e.set("kind", kind);
  e.set("errno", err ? Json(static_cast<int64_t>(err)) : Json());
  const char* name = nullptr;
  switch (err) {
    case ENOENT: name = "ENOENT"; break;
    case EACCES: name = "EACCES"; break;
    case ENOEXEC: name = "ENOEXEC"; break;
    case ENOTDIR: name = "ENOTDIR"; break;
    case E2BIG: name = "E2BIG"; break;
    case ENOMEM: name = "ENOMEM"; break;
    default: break;
  }
  e.set("errno_name", name ? Json(name) : Json());
  e.set("message", message);
  e.set("stage", stage ? Json(stage) : Json());
  Json ev = Json::object();
  ev.set("event", "failed");
  ev.set("error", e);
  return ev;
}

std::string errno_kind(int err) {
  switch (err) {
    case ENOENT: return "not_found";
    case EACCES: case EPERM: return "permission_denied";
    case ENOEXEC: return "not_executable";
    case ENOTDIR: return "bad_cwd";
    case E2BIG: return "bad_args";
    case ENOMEM: return "out_of_memory";
    default: return "other";
  }
}

void pump_output(const SessionP& s, int fd, const char* source) {
  std::vector<char> buf(4096);
  std::string kind = std::string(source) == "stderr" ? "stderr" : "stdout";
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::string b64 = base64_encode(reinterpret_cast<unsigned char*>(buf.data()), static_cast<size_t>(n));
    exec_log_b64(source, s->id, b64);
    std::lock_guard<std::mutex> g(s->send_m);
    if (s->client_gone) continue;
    if (!write_frame(s->conn, "{\"event\":\"" + kind + "\",\"data\":\"" + b64 + "\"}")) s->client_gone = true;
  }
}

void stdin_writer(SessionP s) {
  while (true) {
    std::string chunk;
    {
      std::unique_lock<std::mutex> lk(s->stdin_m);
      s->stdin_cv.wait(lk, [&] { return !s->stdin_q.empty() || s->stdin_done; });
      if (s->stdin_q.empty()) break;
      chunk = std::move(s->stdin_q.front());
      s->stdin_q.erase(s->stdin_q.begin());
    }
    int fd = s->pty_master >= 0 ? s->pty_master : s->stdin_fd;
    if (chunk.empty()) {
      if (s->pty_master >= 0) {
        char eot = 4;
        ssize_t w = ::write(fd, &eot, 1);
        (void)w;
      } else if (s->stdin_fd >= 0) {
        ::close(s->stdin_fd);
        s->stdin_fd = -1;
      }
      continue;
    }
    size_t off = 0;
    while (off < chunk.size() && fd >= 0) {
      ssize_t w = ::write(fd, chunk.data() + off, chunk.size() - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        int err = errno;
        Json e = Json::object();
        e.set("errno", static_cast<int64_t>(err));
        e.set("errno_name", err == EPIPE ? Json("EPIPE") : Json());
        e.set("message", std::string("stdin write failed: ") + std::strerror(err));
        Json ev = Json::object();
        ev.set("event", "stdin_error");
        ev.set("error", e);
        s->send(ev);
        break;
      }
      off += static_cast<size_t>(w);
    }
  }
  if (s->stdin_fd >= 0) {
    ::close(s->stdin_fd);
    s->stdin_fd = -1;
  }
}

void run_exec(int conn, const Json& req) {
  auto s = std::make_shared<Session>();
  s->conn = conn;
  {
    std::lock_guard<std::mutex> g(g_m);
    if (g_draining || g_shutting_down) {
      s->send(failed_event("other", 0, "sandbox is shutting down", "spawn"));
      return;
    }
    s->id = g_next_session++;
    g_activity_seq++;
    g_running_execs++;
    g_last_activity = mono_ms();
  }
  auto finish_count = [] {
    std::lock_guard<std::mutex> g(g_m);
    g_running_execs--;
    g_last_activity = mono_ms();
  };

  std::string cmd = req.find("cmd")->as_string();
  std::vector<std::string> args;
  if (auto a = req.find("args"))
    for (auto& v : a->as_array()) args.push_back(v.as_string());
  std::string cwd = req.find("cwd") && req.find("cwd")->is_string() ? req.find("cwd")->as_string() : "";
  if (cwd.empty()) cwd = config_string("runtime", "workdir");
  if (cwd.empty()) cwd = "/";
  std::string host_cwd = map_guest_path(cwd);
  bool tty = req.find("tty") && req.find("tty")->as_bool();
  bool stdin_pipe = req.find("stdin_pipe") && req.find("stdin_pipe")->as_bool();

  std::map<std::string, std::string> env;
  if (const char* p = std::getenv("PATH")) env["PATH"] = p;
  env["HOME"] = "/root";
  std::string host = config_string("runtime", "hostname");
  env["HOSTNAME"] = host.empty() ? g_name : host;
  if (auto cfg = g_rec.find("config"))
    if (auto e = cfg->find("env"))
      if (e->is_array())  // the runtime's persisted form: [{"key":…,"value":…}]
        for (auto& kv : e->as_array()) env[kv.find("key")->as_string()] = kv.find("value")->as_string();
  if (auto e = req.find("env"))
    for (auto& kv : e->as_object()) env[kv.first] = kv.second.as_string();
  if (tty && !env.count("TERM")) env["TERM"] = "xterm";

  struct stat st;
  if (stat(host_cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    s->send(failed_event("bad_cwd", ENOENT, "working directory does not exist: " + cwd, "chdir"));
    finish_count();
    return;
  }

  int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, errp[2];
  int master = -1, slave = -1;
  pipe2(errp, O_CLOEXEC);
  if (tty) {
    struct winsize ws;
    std::memset(&ws, 0, sizeof ws);
    ws.ws_row = req.find("rows") ? static_cast<unsigned short>(req.find("rows")->as_uint()) : 24;
    ws.ws_col = req.find("cols") ? static_cast<unsigned short>(req.find("cols")->as_uint()) : 80;
    if (openpty(&master, &slave, nullptr, nullptr, &ws) != 0) {
      s->send(failed_event("pty_setup_failed", errno, "openpty failed", "pty"));
      finish_count();
      return;
    }
    fcntl(master, F_SETFD, FD_CLOEXEC);
  } else {
    pipe2(out, O_CLOEXEC);
    pipe2(err, O_CLOEXEC);
    if (stdin_pipe) pipe2(in, O_CLOEXEC);
  }

  std::vector<std::string> argv_s = {cmd};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (auto& kv : env) env_s.push_back(kv.first + "=" + kv.second);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    if (tty) {
      ioctl(slave, TIOCSCTTY, 0);
      dup2(slave, 0);
      dup2(slave, 1);
      dup2(slave, 2);
      if (slave > 2) close(slave);
    } else {
      if (stdin_pipe) dup2(in[0], 0);
      else {
        int dn = open("/dev/null", O_RDONLY);
        dup2(dn, 0);
      }
      dup2(out[1], 1);
      dup2(err[1], 2);
    }
    if (chdir(host_cwd.c_str()) != 0) {
      int e = errno;
      ssize_t w = write(errp[1], &e, sizeof e);
      (void)w;
      _exit(127);
    }
    // PATH lookup with the session's environment.
    for (auto& kv : env)
      if (kv.first == "PATH") setenv("PATH", kv.second.c_str(), 1);
    execvpe(cmd.c_str(), argv.data(), envp.data());
    int e = errno;
    ssize_t w = write(errp[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  ::close(errp[1]);
  if (tty) ::close(slave);
  else {
    ::close(out[1]);
    ::close(err[1]);
    if (stdin_pipe) ::close(in[0]);
  }
  int child_err = 0;
  ssize_t got = ::read(errp[0], &child_err, sizeof child_err);
  ::close(errp[0]);
  if (pid < 0 || got == static_cast<ssize_t>(sizeof child_err)) {
    int e = pid < 0 ? errno : child_err;
    if (pid > 0) waitpid(pid, nullptr, 0);
    if (tty) ::close(master);
    else {
      ::close(out[0]);
      ::close(err[0]);
      if (stdin_pipe) ::close(in[1]);
    }
    std::string kind = errno_kind(e);
    s->send(failed_event(kind, e, std::string("failed to spawn '") + cmd + "': " + std::strerror(e),
                         kind == "bad_cwd" ? "chdir" : "execvp"));
    finish_count();
    return;
  }
  s->pid = pid;
  s->pty_master = master;
  s->stdin_fd = stdin_pipe && !tty ? in[1] : -1;
  {
    std::lock_guard<std::mutex> g(g_m);
    g_pgids.insert(pid);
    write_procs_locked();
  }
  Json started = Json::object();
  started.set("event", "started");
  started.set("pid", static_cast<int64_t>(pid));
  s->send(started);

  std::thread writer(stdin_writer, s);
  std::vector<std::thread> readers;
  if (tty) {
    int dupm = dup(master);
    readers.emplace_back([s, dupm] {
      pump_output(s, dupm, "output");
      ::close(dupm);
    });
  } else {
    int o = out[0], e = err[0];
    readers.emplace_back([s, o] {
      pump_output(s, o, "stdout");
      ::close(o);
    });
    readers.emplace_back([s, e] {
      pump_output(s, e, "stderr");
      ::close(e);
    });
  }

  // Control frames from the client: stdin, signal, resize.
  std::thread control([s, conn, stdin_pipe] {
    std::string frame;
    while (read_frame(conn, frame)) {
      Json j;
      try {
        j = Json::parse(frame);
      } catch (...) {
        continue;
      }
      std::string op = j.find("op") ? j.find("op")->as_string() : "";
      if (op == "stdin" && (stdin_pipe || s->pty_master >= 0)) {
        note_activity();
        std::string data = base64_decode(j.find("data")->as_string());
        std::lock_guard<std::mutex> g(s->stdin_m);
        s->stdin_q.push_back(std::move(data));
        s->stdin_cv.notify_all();
      } else if (op == "signal") {
        ::kill(-s->pid, static_cast<int>(j.find("signal")->as_int()));
      } else if (op == "resize" && s->pty_master >= 0) {
        struct winsize ws;
        std::memset(&ws, 0, sizeof ws);
        ws.ws_row = static_cast<unsigned short>(j.find("rows")->as_uint());
        ws.ws_col = static_cast<unsigned short>(j.find("cols")->as_uint());
        ioctl(s->pty_master, TIOCSWINSZ, &ws);
      }
    }
    std::lock_guard<std::mutex> g(s->send_m);
    s->client_gone = true;
  });

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (tty) {
    // The pty reader ends with EIO once the slave side is gone.
  }
  for (auto& r : readers) r.join();
  {
    std::lock_guard<std::mutex> g(s->stdin_m);
    s->stdin_done = true;
    s->stdin_cv.notify_all();
  }
  writer.join();
  if (master >= 0) ::close(master);
  {
    std::lock_guard<std::mutex> g(g_m);
    g_pgids.erase(pid);
    write_procs_locked();
  }
  Json exited = Json::object();
  exited.set("event", "exited");
  exited.set("code", WIFEXITED(status) ? static_cast<int64_t>(WEXITSTATUS(status)) : static_cast<int64_t>(-1));
  s->send(exited);
  ::shutdown(conn, SHUT_RDWR);
  control.join();
  finish_count();
}

[[noreturn]] void shutdown_vm();

void serve(int conn) {
  std::string frame;
  while (read_frame(conn, frame)) {
    Json req;
    try {
      req = Json::parse(frame);
    } catch (...) {
      break;
    }
    std::string op = req.find("op") ? req.find("op")->as_string() : "";
    Json resp = Json::object();
    if (op == "hello") {
      resp.set("ok", true);
      resp.set("ready", true);
    } else if (op == "ping") {
      resp.set("ok", true);
    } else if (op == "touch") {
      std::lock_guard<std::mutex> g(g_m);
      g_activity_seq++;
      g_last_activity = mono_ms();
      resp.set("ok", true);
      resp.set("activity_seq", g_activity_seq);
    } else if (op == "disarm") {
      std::lock_guard<std::mutex> g(g_m);
      g_watchdog_armed = false;
      resp.set("ok", true);
    } else if (op == "shutdown") {
      resp.set("ok", true);
      write_frame(conn, resp.dump());
      {
        std::lock_guard<std::mutex> g(g_m);
        g_draining = true;
        g_shutting_down = true;
      }
      wake_main();
      continue;
    } else if (op == "exec") {
      run_exec(conn, req);
      break;
    } else {
      resp.set("error", "unknown agent op: " + op);
    }
    if (!write_frame(conn, resp.dump())) break;
  }
  ::close(conn);
}

[[noreturn]] void shutdown_vm() {
  std::set<pid_t> groups;
  {
    std::lock_guard<std::mutex> g(g_m);
    g_shutting_down = true;
    groups = g_pgids;
  }
  for (pid_t p : groups) ::kill(-p, SIGTERM);
  int64_t deadline = mono_ms() + 1000;
  while (mono_ms() < deadline) {
    {
      std::lock_guard<std::mutex> g(g_m);
      if (g_pgids.empty()) break;
    }
    usleep(10000);
  }
  {
    std::lock_guard<std::mutex> g(g_m);
    for (pid_t p : g_pgids) ::kill(-p, SIGKILL);
  }
  append_system_log(g_name, "sandbox stopped");
  try {
    set_status(g_name, g_boot_id, "stopped");
  } catch (...) {
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) return 2;
  setsid();
  setenv("MSB_HOME", argv[1], 1);
  g_name = argv[2];
  g_boot_id = std::strtoull(argv[3], nullptr, 10);
  int watchdog = std::string(argv[4]) == "-" ? -1 : std::atoi(argv[4]);
  g_watchdog_armed = watchdog >= 0;
  for (int fd = 5; fd < 1024; fd++) ::close(fd);
  signal(SIGPIPE, SIG_IGN);

  auto rec = load_record(g_name);
  if (!rec || rec->find("boot_id")->as_uint() != g_boot_id) return 3;
  g_rec = *rec;
  g_root = sandbox_root_fs(g_rec);

  if (const char* f = std::getenv("MSBD_VM_BOOT_FAIL")) {
    std::istringstream ss(f);
    std::string line;
    while (std::getline(ss, line)) append_system_log(g_name, line);
    return 1;
  }
  int64_t crash_after = 0;
  if (const char* c = std::getenv("MSBD_VM_CRASH_AFTER_MS")) crash_after = std::atoll(c);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  pipe2(g_wake, O_CLOEXEC);

  int lfd = listen_abstract(g_rec.find("agent")->as_string());
  if (lfd < 0) {
    append_system_log(g_name, "agent relay could not listen");
    return 4;
  }
  char r = 'R';
  ssize_t w = ::write(3, &r, 1);
  (void)w;
  ::close(3);
  append_system_log(g_name, "sandbox running");

  int64_t booted = mono_ms();
  g_last_activity = booted;
  uint64_t max_secs = lifecycle_secs("max_duration_secs");
  uint64_t idle_secs = lifecycle_secs("idle_timeout_secs");

  while (true) {
    pollfd fds[4];
    int n = 0;
    fds[n++] = {lfd, POLLIN, 0};
    fds[n++] = {sfd, POLLIN, 0};
    fds[n++] = {g_wake[0], POLLIN, 0};
    bool armed;
    {
      std::lock_guard<std::mutex> g(g_m);
      armed = g_watchdog_armed;
    }
    if (armed) fds[n++] = {watchdog, POLLIN, 0};
    int pr = ::poll(fds, n, 50);
    if (pr > 0 && (fds[0].revents & POLLIN)) {
      int c = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) std::thread(serve, c).detach();
    }
    if (pr > 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo si;
      if (::read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGUSR1) {
          std::lock_guard<std::mutex> g(g_m);
          g_draining = true;
        } else {
          shutdown_vm();
        }
      }
    }
    if (pr > 0 && (fds[2].revents & POLLIN)) {
      char buf[64];
      ssize_t rr = ::read(g_wake[0], buf, sizeof buf);
      (void)rr;
    }
    if (armed && n == 4 && (fds[3].revents & (POLLIN | POLLHUP | POLLERR))) {
      bool still_armed;
      {
        std::lock_guard<std::mutex> g(g_m);
        still_armed = g_watchdog_armed;
      }
      if (still_armed) {
        append_system_log(g_name, "lifecycle owner went away");
        shutdown_vm();
      }
    }
    int64_t now = mono_ms();
    if (crash_after > 0 && now - booted >= crash_after) {
      append_system_log(g_name, "guest kernel panic (injected crash)");
      signal(SIGABRT, SIG_DFL);
      abort();
    }
    bool stop = false;
    {
      std::lock_guard<std::mutex> g(g_m);
      if (g_shutting_down) stop = true;
      if (g_draining && g_running_execs == 0) stop = true;
      if (max_secs && now - booted >= static_cast<int64_t>(max_secs) * 1000) stop = true;
      if (idle_secs && g_running_execs == 0 && now - g_last_activity >= static_cast<int64_t>(idle_secs) * 1000)
        stop = true;
    }
    if (stop) {
      if (max_secs && now - booted >= static_cast<int64_t>(max_secs) * 1000)
        append_system_log(g_name, "maximum duration reached");
      else if (idle_secs && now - g_last_activity >= static_cast<int64_t>(idle_secs) * 1000)
        append_system_log(g_name, "idle timeout reached");
      shutdown_vm();
    }
  }
}
