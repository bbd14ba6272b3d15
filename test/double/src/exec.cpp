// §5.6, §5.7: exec sessions of the runtime double. Each session is a connection to the
// sandbox's VM process (its "guest agent"), which runs the command as a real host
// process. A reader thread queues the session's events; msb_exec_recv pops them.
//
// Deviation from the real runtime (documented in test/double/README.md): the event
// queue holds at most kQueueHighWater bytes of payload; past that the reader stops
// reading the agent socket until the caller receives, so a command that out-produces
// its reader blocks on write instead of growing this process's memory.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <deque>
#include <thread>

#include "sandbox.hpp"

using namespace msbd;

namespace {

constexpr size_t kQueueHighWater = 4 * 1024 * 1024;

struct ExecSession {
  std::string sandbox;
  std::unique_ptr<AgentConn> conn;
  WaitableP w = std::make_shared<Waitable>();
  std::deque<Json> events;  // guarded by w->m
  size_t queued_bytes = 0;
  bool done = false;
  bool closing = false;
  std::mutex recv_m;   // the "standard mutex" of recv/collect/wait/id (blocks, never fails)
  std::mutex write_m;  // control frames (stdin, signal, resize)
  bool stdin_pipe = false;
  bool stdin_open = false;  // guarded by write_m
  uint32_t id = 0;
  std::thread reader;
  ~ExecSession() {
    {
      std::lock_guard<std::mutex> g(w->m);
      closing = true;
      w->cv.notify_all();
    }
    if (conn && conn->fd() >= 0) ::shutdown(conn->fd(), SHUT_RDWR);
    if (reader.joinable()) {
      if (reader.get_id() == std::this_thread::get_id()) reader.detach();
      else reader.join();
    }
  }
  void send_control(const Json& j) {
    std::lock_guard<std::mutex> g(write_m);
    conn->send(j);
  }
};
using ExecP = std::shared_ptr<ExecSession>;
Registry<ExecSession>& g_execs = *new Registry<ExecSession>("exec");
std::atomic<uint32_t> g_exec_ids{1};

size_t payload_size(const Json& ev) {
  auto d = ev.find("data");
  return d && d->is_string() ? d->as_string().size() : 0;
}

void read_events(ExecSession* s) {
  std::string frame;
  while (true) {
    {
      std::unique_lock<std::mutex> lk(s->w->m);
      s->w->cv.wait(lk, [&] { return s->queued_bytes < kQueueHighWater || s->closing; });
      if (s->closing) break;
    }
    if (!read_frame(s->conn->fd(), frame)) break;
    Json ev;
    try {
      ev = Json::parse(frame);
    } catch (...) {
      continue;  // malformed protocol messages are skipped
    }
    std::string kind = ev.find("event") ? ev.find("event")->as_string() : "";
    bool terminal = kind == "exited" || kind == "failed";
    // Test hook (config `exec_inject_event`): a document queued right after `started`,
    // e.g. an event kind no runtime sends.
    Json injected;
    if (kind == "started") {
      Json inject = config_get("exec_inject_event");
      if (inject.is_string()) {
        try {
          injected = Json::parse(inject.as_string());
        } catch (...) {
        }
      }
    }
    std::lock_guard<std::mutex> g(s->w->m);
    s->queued_bytes += payload_size(ev);
    s->events.push_back(std::move(ev));
    if (!injected.is_null()) s->events.push_back(std::move(injected));
    if (terminal) s->done = true;
    s->w->cv.notify_all();
    if (terminal) return;
  }
  std::lock_guard<std::mutex> g(s->w->m);
  s->done = true;
  s->w->cv.notify_all();
}

struct ExecOpts {
  std::vector<std::string> args;
  Json cwd, user, env = Json::object();
  bool has_timeout = false;
  uint64_t timeout_secs = 0;
  bool stdin_pipe = false, tty = false;
};

ExecOpts parse_opts(const char* p) {
  Json j = arg_json(p);
  if (!j.is_object()) fail("invalid_argument", "invalid exec options JSON: expected an object");
  ExecOpts o;
  try {
    if (auto a = j.find("args"))
      if (!a->is_null())
        for (auto& v : a->as_array()) o.args.push_back(v.as_string());
    if (auto v = j.find("cwd")) o.cwd = v->is_null() ? Json() : Json(v->as_string());
    if (auto v = j.find("user")) o.user = v->is_null() ? Json() : Json(v->as_string());
    if (auto v = j.find("env"))
      if (!v->is_null()) {
        for (auto& kv : v->as_object()) kv.second.as_string();
        o.env = *v;
      }
    if (auto v = j.find("timeout_secs"))
      if (!v->is_null()) {
        o.has_timeout = true;
        o.timeout_secs = v->as_uint();
      }
    if (auto v = j.find("stdin_pipe")) o.stdin_pipe = !v->is_null() && v->as_bool();
    if (auto v = j.find("tty")) o.tty = !v->is_null() && v->as_bool();
  } catch (const ParseError& e) {
    fail("invalid_argument", std::string("invalid exec options JSON: ") + e.what());
  }
  return o;
}

std::string live_agent_of(const SandboxP& s) {
  auto rec = lookup(s->name);
  if (!rec || rec->find("boot_id")->as_uint() != s->boot_id || !vm_alive(*rec))
    fail("internal", "agent client error: connection closed");
  return s->agent;
}

std::vector<std::string> default_command(const std::string& name) {
  auto rec = lookup(name);
  if (!rec) fail("sandbox_not_found", "sandbox not found: " + name);
  auto rt = rec->find("config")->find("runtime");
  std::vector<std::string> argv;
  for (auto key : {"entrypoint", "cmd"}) {
    auto v = rt ? rt->find(key) : nullptr;
    if (v && v->is_array())
      for (auto& a : v->as_array()) argv.push_back(a.as_string());
  }
  if (argv.empty()) fail("no_default_command", "no default command: the image defines neither an entrypoint nor a cmd");
  return argv;
}

ExecP start_session(Call& call, const SandboxP& sb, const std::string& cmd, const ExecOpts& o, int rows = 0,
                    int cols = 0) {
  std::string addr = live_agent_of(sb);
  auto s = std::make_shared<ExecSession>();
  s->sandbox = sb->name;
  s->conn = std::make_unique<AgentConn>();
  s->conn->open(addr, call.token, 10000);
  Json req = Json::object();
  req.set("op", "exec");
  req.set("cmd", cmd);
  Json args = Json::array();
  for (auto& a : o.args) args.push(a);
  req.set("args", args);
  req.set("cwd", o.cwd);
  req.set("user", o.user);
  req.set("env", o.env);
  req.set("tty", o.tty);
  req.set("stdin_pipe", o.stdin_pipe);
  if (rows > 0) req.set("rows", static_cast<int64_t>(rows));
  if (cols > 0) req.set("cols", static_cast<int64_t>(cols));
  s->conn->send(req);
  s->stdin_pipe = o.stdin_pipe;
  s->stdin_open = o.stdin_pipe;
  s->id = g_exec_ids++;
  s->reader = std::thread(read_events, s.get());
  return s;
}

// Pops the next event; {"event":"done"} once the queue is closed (sticky).
// With lost_race (msb_exec_recv), a lost race leaves the event queued and returns null.
Json pop_event(Call& call, ExecSession& s, int64_t timeout_ms = -1, bool* timed_out = nullptr,
               bool* lost_race = nullptr) {
  std::unique_lock<std::mutex> lk(s.w->m);
  bool ok = wait_on(lk, s.w, call.token, timeout_ms, [&] { return !s.events.empty() || s.done; }, lost_race);
  if (lost_race && *lost_race) return Json();
  if (!ok) {
    if (timed_out) *timed_out = true;
    return Json();
  }
  if (s.events.empty()) {
    Json d = Json::object();
    d.set("event", "done");
    return d;
  }
  Json ev = std::move(s.events.front());
  s.events.pop_front();
  s.queued_bytes -= std::min(s.queued_bytes, payload_size(ev));
  s.w->cv.notify_all();
  return ev;
}

std::string failed_message(const Json& ev) {
  auto e = ev.find("error");
  auto m = e ? e->find("message") : nullptr;
  return "exec failed: " + (m && m->is_string() ? m->as_string() : std::string("the program could not be started"));
}

// Drains a session to its exit: (stdout, stderr, code). Throws as collect does.
struct Collected {
  std::string out, err;
  int64_t code = 0;
};
Collected collect(Call& call, ExecSession& s, int64_t deadline_ms, bool* timed_out) {
  Collected c;
  while (true) {
    int64_t left = deadline_ms < 0 ? -1 : std::max<int64_t>(0, deadline_ms - mono_ms());
    bool to = false;
    Json ev = pop_event(call, s, left, &to);
    if (to) {
      *timed_out = true;
      return c;
    }
    std::string kind = ev.find("event")->as_string();
    if (kind == "stdout") c.out += base64_decode(ev.find("data")->as_string());
    else if (kind == "stderr") c.err += base64_decode(ev.find("data")->as_string());
    else if (kind == "exited") {
      c.code = ev.find("code")->as_int();
      return c;
    } else if (kind == "failed") fail("internal", failed_message(ev));
    else if (kind == "done") fail("internal", "exec session ended without exit event");
  }
}

Json collected_exec(Call& call, const SandboxP& sb, const std::string& cmd, const ExecOpts& o) {
  ExecOpts opts = o;
  opts.stdin_pipe = false;  // collected calls always run with stdin = /dev/null
  ExecP s = start_session(call, sb, cmd, opts);
  bool timed_out = false;
  int64_t deadline = o.has_timeout ? mono_ms() + static_cast<int64_t>(o.timeout_secs) * 1000 : -1;
  Collected c = collect(call, *s, deadline, &timed_out);
  if (timed_out) {
    Json sig = Json::object();
    sig.set("op", "signal");
    sig.set("signal", 9);
    try {
      s->send_control(sig);
    } catch (...) {
    }
    bool again = false;
    collect(call, *s, mono_ms() + 5000, &again);
    fail("exec_timeout", "exec timed out after " + std::to_string(o.timeout_secs) + "s");
  }
  Json r = Json::object();
  r.set("stdout", valid_utf8(c.out.data(), c.out.size()) ? c.out : std::string());
  r.set("stderr", valid_utf8(c.err.data(), c.err.size()) ? c.err : std::string());
  r.set("exit_code", c.code);
  return r;
}

Json ok() {
  Json o = Json::object();
  o.set("ok", true);
  return o;
}

Json exec_handle_result(ExecP s) {
  Json o = Json::object();
  o.set("exec_handle", g_execs.insert(std::move(s)));
  return o;
}

}  // namespace

// ------------------------------------------------------------ §5.6.2 collected

MSB_EXPORT char* msb_sandbox_exec(uint64_t cid, uint64_t h, const char* cmd_p, const char* opts_p, unsigned char* buf,
                                  uintptr_t len) {
  return run_call("msb_sandbox_exec", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string cmd = arg_str(cmd_p);
    ExecOpts o = parse_opts(opts_p);
    SandboxP sb = g_sandboxes.get(h);
    return collected_exec(call, sb, cmd, o);
  });
}

MSB_EXPORT char* msb_sandbox_exec_default(uint64_t cid, uint64_t h, const char* opts_p, unsigned char* buf,
                                          uintptr_t len) {
  return run_call("msb_sandbox_exec_default", CidMode::Use, cid, buf, len, [&](Call& call) {
    ExecOpts o = parse_opts(opts_p);
    SandboxP sb = g_sandboxes.get(h);
    auto argv = default_command(sb->name);
    std::string cmd = argv[0];
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    args.insert(args.end(), o.args.begin(), o.args.end());
    o.args = args;
    return collected_exec(call, sb, cmd, o);
  });
}

// ------------------------------------------------------------ §5.6.3 streaming

MSB_EXPORT char* msb_sandbox_exec_stream(uint64_t cid, uint64_t h, const char* cmd_p, const char* opts_p,
                                         unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_exec_stream", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string cmd = arg_str(cmd_p);
    ExecOpts o = parse_opts(opts_p);  // timeout_secs is accepted and ignored here
    SandboxP sb = g_sandboxes.get(h);
    return exec_handle_result(start_session(call, sb, cmd, o));
  });
}

MSB_EXPORT char* msb_sandbox_exec_default_stream(uint64_t cid, uint64_t h, const char* opts_p, unsigned char* buf,
                                                 uintptr_t len) {
  return run_call("msb_sandbox_exec_default_stream", CidMode::Use, cid, buf, len, [&](Call& call) {
    ExecOpts o = parse_opts(opts_p);
    SandboxP sb = g_sandboxes.get(h);
    auto argv = default_command(sb->name);
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    args.insert(args.end(), o.args.begin(), o.args.end());
    o.args = args;
    return exec_handle_result(start_session(call, sb, argv[0], o));
  });
}

MSB_EXPORT char* msb_exec_recv(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_recv", CidMode::Use, cid, buf, len, [&](Call& call) {
    ExecP s = g_execs.get(h);
    // The standard mutex is taken before racing the token: a second recv blocks.
    std::lock_guard<std::mutex> g(s->recv_m);
    return pop_event(call, *s, -1, nullptr, &call.lost_race);
  });
}

MSB_EXPORT char* msb_exec_collect(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_collect", CidMode::Use, cid, buf, len, [&](Call& call) {
    ExecP s = g_execs.get(h);
    std::lock_guard<std::mutex> g(s->recv_m);
    bool to = false;
    Collected c = collect(call, *s, -1, &to);
    Json r = Json::object();
    r.set("stdout_b64", base64_encode(c.out));
    r.set("stderr_b64", base64_encode(c.err));
    r.set("exit_code", c.code);
    return r;
  });
}

MSB_EXPORT char* msb_exec_wait(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_wait", CidMode::Use, cid, buf, len, [&](Call& call) {
    ExecP s = g_execs.get(h);
    std::lock_guard<std::mutex> g(s->recv_m);
    bool to = false;
    Collected c = collect(call, *s, -1, &to);
    Json r = Json::object();
    r.set("exit_code", c.code);
    return r;
  });
}

MSB_EXPORT char* msb_exec_id(uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_id", CidMode::None, 0, buf, len, [&](Call&) {
    ExecP s = g_execs.get(h);
    std::lock_guard<std::mutex> g(s->recv_m);  // blocks behind a pending recv (docs/runtime-abi.md §4)
    Json r = Json::object();
    r.set("id", std::to_string(s->id));
    return r;
  });
}

namespace {
Json send_signal(uint64_t h, int64_t signal) {
  ExecP s = g_execs.get(h);
  Json j = Json::object();
  j.set("op", "signal");
  j.set("signal", signal);
  s->send_control(j);
  return ok();
}
}  // namespace

MSB_EXPORT char* msb_exec_signal(uint64_t cid, uint64_t h, int32_t signal, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_signal", CidMode::Use, cid, buf, len, [&](Call&) { return send_signal(h, signal); });
}

// Same as signal 9.
MSB_EXPORT char* msb_exec_kill(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_kill", CidMode::Use, cid, buf, len, [&](Call&) { return send_signal(h, 9); });
}

MSB_EXPORT char* msb_exec_resize(uint64_t cid, uint64_t h, uint16_t rows, uint16_t cols, unsigned char* buf,
                                 uintptr_t len) {
  return run_call("msb_exec_resize", CidMode::Use, cid, buf, len, [&](Call&) {
    ExecP s = g_execs.get(h);
    Json j = Json::object();
    j.set("op", "resize");
    j.set("rows", static_cast<int64_t>(rows));
    j.set("cols", static_cast<int64_t>(cols));
    s->send_control(j);
    return ok();
  });
}

MSB_EXPORT char* msb_exec_close(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_close", CidMode::Ignore, cid, buf, len, [&](Call&) {
    g_execs.take(h);  // drops the receiver and the stdin sink; the process keeps running
    return ok();
  });
}

// ------------------------------------------------------------ §5.6.4 stdin

MSB_EXPORT char* msb_exec_stdin_write(uint64_t cid, uint64_t h, const char* data_p, unsigned char* buf,
                                      uintptr_t len) {
  return run_call("msb_exec_stdin_write", CidMode::Use, cid, buf, len, [&](Call&) {
    std::string b64 = arg_str(data_p);
    ExecP s = g_execs.find(h);
    if (!s) fail("invalid_argument", "exec session has no stdin pipe (start with stdin_pipe=true)");
    std::string data;
    try {
      data = base64_decode(b64);
    } catch (const ParseError& e) {
      fail("invalid_argument", std::string("invalid base64 stdin data: ") + e.what());
    }
    std::lock_guard<std::mutex> g(s->write_m);
    if (!s->stdin_open) fail("invalid_argument", "exec session has no stdin pipe (start with stdin_pipe=true)");
    // A zero-length write is the EOF frame: the guest's stdin closes, the sink stays.
    Json j = Json::object();
    j.set("op", "stdin");
    j.set("data", b64);
    s->conn->send(j);
    return ok();
  });
}

MSB_EXPORT char* msb_exec_stdin_close(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_exec_stdin_close", CidMode::Use, cid, buf, len, [&](Call&) {
    ExecP s = g_execs.find(h);
    if (!s) fail("invalid_argument", "exec session has no stdin pipe (start with stdin_pipe=true)");
    std::lock_guard<std::mutex> g(s->write_m);
    if (!s->stdin_open) fail("invalid_argument", "exec session has no stdin pipe (start with stdin_pipe=true)");
    Json j = Json::object();
    j.set("op", "stdin");
    j.set("data", "");
    s->conn->send(j);
    s->stdin_open = false;
    return ok();
  });
}

// ------------------------------------------------------------ §5.7 attach

namespace {

// Bridges this process's terminal (fd 0/1) to a tty session until it ends or the
// detach keys are typed. Returns the exit code (-1 for a signal death or a detach).
Json attach(Call& call, const SandboxP& sb, const std::string& cmd, ExecOpts o, const std::string& detach_keys) {
  o.tty = true;
  o.stdin_pipe = true;
  struct winsize ws {};
  int rows = 24, cols = 80;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
    rows = ws.ws_row;
    cols = ws.ws_col;
  }
  ExecP s = start_session(call, sb, cmd, o, rows, cols);
  bool is_tty = isatty(0);
  struct termios saved {};
  if (is_tty) {
    tcgetattr(0, &saved);
    struct termios raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
  }
  // Detach key: ctrl-] by default; "ctrl-x" → byte x & 0x1f (first key of a sequence).
  unsigned char detach = 0x1d;
  if (detach_keys.rfind("ctrl-", 0) == 0 && detach_keys.size() >= 6) detach = detach_keys[5] & 0x1f;
  std::atomic<bool> finished{false};
  std::atomic<bool> detached{false};
  std::thread input([&] {
    unsigned char b[1024];
    while (!finished.load()) {
      pollfd p{0, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::read(0, b, sizeof b);
      if (n <= 0) {
        Json j = Json::object();
        j.set("op", "stdin");
        j.set("data", "");
        try {
          s->send_control(j);
        } catch (...) {
        }
        break;
      }
      for (ssize_t i = 0; i < n; i++)
        if (b[i] == detach) {
          detached = true;
          finished = true;
          s->w->notify();
          return;
        }
      Json j = Json::object();
      j.set("op", "stdin");
      j.set("data", base64_encode(b, static_cast<size_t>(n)));
      try {
        s->send_control(j);
      } catch (...) {
        break;
      }
    }
  });
  int64_t code = -1;
  try {
    while (!detached.load()) {
      Json ev = pop_event(call, *s, 100, nullptr);
      if (ev.is_null()) continue;
      std::string kind = ev.find("event")->as_string();
      if (kind == "stdout" || kind == "stderr") {
        std::string d = base64_decode(ev.find("data")->as_string());
        ssize_t w = ::write(kind == "stdout" ? 1 : 2, d.data(), d.size());
        (void)w;
      } else if (kind == "exited") {
        code = ev.find("code")->as_int();
        break;
      } else if (kind == "failed") {
        finished = true;
        input.join();
        if (is_tty) tcsetattr(0, TCSANOW, &saved);
        fail("internal", failed_message(ev));
      } else if (kind == "done") {
        break;
      }
    }
  } catch (...) {
    finished = true;
    if (input.joinable()) input.join();
    if (is_tty) tcsetattr(0, TCSANOW, &saved);
    throw;
  }
  finished = true;
  input.join();
  if (is_tty) tcsetattr(0, TCSANOW, &saved);
  Json r = Json::object();
  r.set("exit_code", code);
  return r;
}

ExecOpts attach_opts(const char* p, std::string& detach_keys) {
  Json j = arg_json_opt(p, false);
  ExecOpts o;
  if (auto a = j.find("args"))
    for (auto& v : a->as_array()) o.args.push_back(v.as_string());
  if (auto v = j.find("cwd")) o.cwd = *v;
  if (auto v = j.find("user")) o.user = *v;
  if (auto v = j.find("env")) o.env = *v;
  if (auto v = j.find("detach_keys")) detach_keys = v->as_string();
  return o;
}

}  // namespace

MSB_EXPORT char* msb_sandbox_attach(uint64_t cid, uint64_t h, const char* cmd_p, const char* opts_p,
                                    unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_attach", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string cmd = arg_str(cmd_p);
    std::string keys = "ctrl-]";
    ExecOpts o = attach_opts(opts_p, keys);
    return attach(call, g_sandboxes.get(h), cmd, o, keys);
  });
}

MSB_EXPORT char* msb_sandbox_attach_default(uint64_t cid, uint64_t h, const char* opts_p, unsigned char* buf,
                                            uintptr_t len) {
  return run_call("msb_sandbox_attach_default", CidMode::Use, cid, buf, len, [&](Call& call) {
    std::string keys = "ctrl-]";
    ExecOpts o = attach_opts(opts_p, keys);
    SandboxP sb = g_sandboxes.get(h);
    auto argv = default_command(sb->name);
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    args.insert(args.end(), o.args.begin(), o.args.end());
    o.args = args;
    return attach(call, sb, argv[0], o, keys);
  });
}

MSB_EXPORT char* msb_sandbox_attach_shell(uint64_t cid, uint64_t h, unsigned char* buf, uintptr_t len) {
  return run_call("msb_sandbox_attach_shell", CidMode::Use, cid, buf, len, [&](Call& call) {
    SandboxP sb = g_sandboxes.get(h);
    auto rec = lookup(sb->name);
    std::string shell = "/bin/sh";
    if (rec)
      if (auto rt = rec->find("config")->find("runtime"))
        if (auto v = rt->find("shell"))
          if (v->is_string()) shell = v->as_string();
    return attach(call, sb, shell, ExecOpts{}, "ctrl-]");
  });
}

// ------------------------------------------------------------ the SSH server's exec path (ssh.cpp)

namespace msbd {

// An SSH exec or shell channel runs `<shell> [-c command]` as an exec session of the
// sandbox (stdin piped and never closed, as the in-process client never sends EOF); a
// tty channel merges stderr into the data stream. The status is the exit code (negative
// codes, i.e. signal deaths, become 0 as the runtime's `code.max(0)`); a session that
// failed to start reports its message on stderr with status 127.
SshRun ssh_exec_run(Call& call, const SandboxP& sb, const std::string& shell, const std::vector<std::string>& args,
                    bool tty, const std::string& term) {
  ExecOpts o;
  o.args = args;
  o.tty = tty;
  o.stdin_pipe = true;
  if (tty) o.env.set("TERM", term);
  ExecP s = start_session(call, sb, shell, o);
  SshRun r;
  while (true) {
    Json ev = pop_event(call, *s);
    std::string kind = ev.find("event")->as_string();
    if (kind == "stdout") r.out += base64_decode(ev.find("data")->as_string());
    else if (kind == "stderr") (tty ? r.out : r.err) += base64_decode(ev.find("data")->as_string());
    else if (kind == "exited") {
      r.status = std::max<int64_t>(0, ev.find("code")->as_int());
      return r;
    } else if (kind == "failed") {
      auto e = ev.find("error");
      auto m = e ? e->find("message") : nullptr;
      (tty ? r.out : r.err) += m && m->is_string() ? m->as_string() : std::string("exec failed");
      r.status = 127;
      return r;
    } else if (kind == "done") {
      return r;  // the channel closed without an exit status: 0
    }
  }
}

// An interactive SSH shell on this process's terminal (the attach path of §5.7).
int64_t ssh_attach_run(Call& call, const SandboxP& sb, const std::string& shell, const std::string& term,
                       const std::string& detach_keys) {
  ExecOpts o;
  o.env.set("TERM", term);
  Json r = attach(call, sb, shell, o, detach_keys);
  return std::max<int64_t>(0, r.find("exit_code")->as_int());
}

}  // namespace msbd
