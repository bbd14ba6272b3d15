// §5.14: SSH and SFTP of the runtime double.
//
// The real runtime runs an in-process SSH server (russh) on one end of a memory pipe and
// its client on the other; the server turns channel requests into the sandbox's exec
// sessions and its SFTP subsystem into guest filesystem requests. The double keeps the
// observable contract and skips the transport:
//
// - three handle registries (client, server, SFTP), each object guarded by a lock that
//   a call waits for (cancellably) and holds for the whole operation: calls on one object
//   are serialised; close removes the handle first, then waits for the call in flight;
// - exec and the interactive shell go through the same host-process path as the exec
//   sessions (exec.cpp), with `<shell> -c <command>` as the runtime's server does;
// - SFTP works on the sandbox's root folder (fs.cpp's helpers), relative paths resolve
//   against the sandbox's workdir; every SFTP failure is `internal` with the runtime's
//   step prefix and russh-sftp's rendering of the status (`SFTP read: No such file:
//   No such file`; the codes used: No such file, Permission denied, Failure);
// - the server endpoint reads its authorized keys and host key files as the runtime
//   does (a missing host key is created, as a placeholder), and serving one connection
//   on stdin/stdout performs the SSH identification exchange only (see README.md).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sandbox.hpp"

using namespace msbd;

namespace {

// A lock held across one operation, waited for cancellably (the runtime's async mutex).
struct Serial {
  WaitableP w = std::make_shared<Waitable>();
  bool busy = false;  // guarded by w->m
};

class SerialGuard {
 public:
  SerialGuard(Serial& s, Call& call) : s_(s) {
    std::unique_lock<std::mutex> lk(s.w->m);
    wait_on(lk, s.w, call.token, -1, [&] { return !s.busy; });
    s.busy = true;
  }
  ~SerialGuard() {
    std::lock_guard<std::mutex> g(s_.w->m);
    s_.busy = false;
    s_.w->cv.notify_all();
  }
  SerialGuard(const SerialGuard&) = delete;
  SerialGuard& operator=(const SerialGuard&) = delete;

 private:
  Serial& s_;
};

struct SshClientObj {
  Serial serial;
  bool closed = false;  // guarded by serial: the entry's value was taken by close
  SandboxP sb;          // the server side holds the sandbox (as the runtime's server task does)
  std::string user = "root";
  std::string term;
  bool sftp = true;
  std::atomic<bool> disconnected{false};  // SFTP sessions opened over it fail afterwards
};
using SshClientP = std::shared_ptr<SshClientObj>;

struct SshServerObj {
  Serial serial;
  bool closed = false;
  SandboxP sb;
};
using SshServerP = std::shared_ptr<SshServerObj>;

struct SftpObj {
  Serial serial;
  bool closed = false;
  SshClientP client;
  std::string cwd = "/";
};
using SftpP = std::shared_ptr<SftpObj>;

Registry<SshClientObj>& g_ssh_clients = *new Registry<SshClientObj>("ssh_client");
Registry<SshServerObj>& g_ssh_servers = *new Registry<SshServerObj>("ssh_server");
Registry<SftpObj>& g_sftps = *new Registry<SftpObj>("sftp");

[[noreturn]] void invalid_handle(uint64_t h) { fail("invalid_handle", "unknown sandbox handle: " + std::to_string(h)); }

Json ok() {
  Json o = Json::object();
  o.set("ok", true);
  return o;
}

std::string default_term() {
  const char* t = std::getenv("TERM");
  std::string term = t ? t : "";
  bool blank = term.find_first_not_of(" \t") == std::string::npos;
  return blank || term == "dumb" ? "xterm" : term;
}

// A string member of the runtime's option documents (serde: absent or null = unset).
std::string opt_string(const Json& j, const char* key, const std::string& dflt) {
  auto v = j.find(key);
  return v && !v->is_null() ? v->as_string() : dflt;
}
bool opt_bool(const Json& j, const char* key, bool dflt) {
  auto v = j.find(key);
  return v && !v->is_null() ? v->as_bool() : dflt;
}

// Parses an option document as serde would, failing "invalid SSH <what> opts: …".
template <class F>
void parse_opts(const char* p, const char* what, F&& f) {
  Json j = arg_json(p);
  try {
    if (!j.is_object()) throw ParseError("invalid type: expected struct");
    f(j);
  } catch (const ParseError& e) {
    fail("invalid_argument", std::string("invalid SSH ") + what + " opts: " + e.what());
  }
}

void check_timeout(const Json& j) {
  if (auto v = j.find("inactivity_timeout_secs"))
    if (!v->is_null()) v->as_uint();
}

// The sandbox's configured shell, else /bin/sh (the runtime's server uses the same).
std::string shell_of(const SandboxP& sb) {
  auto rec = lookup(sb->name);
  if (rec)
    if (auto cfg = rec->find("config"))
      if (auto rt = cfg->find("runtime"))
        if (auto v = rt->find("shell"))
          if (v->is_string() && !v->as_string().empty()) return v->as_string();
  return "/bin/sh";
}

std::string workdir_of(const SandboxP& sb) {
  auto rec = lookup(sb->name);
  if (rec)
    if (auto cfg = rec->find("config"))
      if (auto rt = cfg->find("runtime"))
        if (auto v = rt->find("workdir"))
          if (v->is_string() && !v->as_string().empty() && v->as_string()[0] == '/') return v->as_string();
  return "/";
}

// The client of a live handle, locked for the operation (a closed entry: invalid_handle).
struct LockedClient {
  SshClientP c;
  SerialGuard guard;
  LockedClient(uint64_t h, Call& call) : c(g_ssh_clients.get(h)), guard(c->serial, call) {
    if (c->closed) invalid_handle(h);
  }
};

// ------------------------------------------------------------ SFTP helpers

std::string status_text(int err) {
  if (err == ENOENT || err == ENOTDIR) return "No such file";
  if (err == EACCES || err == EPERM) return "Permission denied";
  return "Failure";
}

// russh-sftp's client renders a status as "<code>: <message>", the server's message being
// the code's own text: "SFTP read: No such file: No such file".
[[noreturn]] void sftp_fail(const char* step, int err) {
  std::string text = status_text(err);
  fail("internal", std::string("SFTP ") + step + ": " + text + ": " + text);
}

// The server session resolves a relative path against its working directory.
std::string normalize(const SftpObj& s, const std::string& path) {
  if (path.empty() || path == ".") return s.cwd;
  if (path[0] == '/') return path;
  std::string cwd = s.cwd;
  while (!cwd.empty() && cwd.back() == '/') cwd.pop_back();
  return cwd + "/" + path;
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/'))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// Resolves a guest path with every symlink followed inside the root; returns the
// canonical guest path, or the errno that stopped it.
int canonicalize(const std::string& root, const std::string& guest, std::string& out) {
  std::vector<std::string> done;
  std::vector<std::string> todo = components(guest);
  std::reverse(todo.begin(), todo.end());
  int links = 0;
  while (!todo.empty()) {
    std::string part = todo.back();
    todo.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::string g;
    for (auto& d : done) g += "/" + d;
    g += "/" + part;
    struct stat st;
    if (lstat(host_path(root, g).c_str(), &st) != 0) return errno;
    if (S_ISLNK(st.st_mode)) {
      if (++links > 40) return ELOOP;
      char buf[PATH_MAX];
      ssize_t n = readlink(host_path(root, g).c_str(), buf, sizeof buf - 1);
      if (n < 0) return errno;
      std::string target(buf, static_cast<size_t>(n));
      if (!target.empty() && target[0] == '/') done.clear();
      auto more = components(target);
      for (auto it = more.rbegin(); it != more.rend(); ++it) todo.push_back(*it);
      continue;
    }
    if (!todo.empty() && !S_ISDIR(st.st_mode)) return ENOTDIR;
    done.push_back(part);
  }
  out.clear();
  for (auto& d : done) out += "/" + d;
  if (out.empty()) out = "/";
  return 0;
}

// An SFTP operation: the session locked, its client still connected, the sandbox alive.
template <class F>
Json sftp_op(uint64_t h, Call& call, const char* step, F&& f) {
  SftpP s = g_sftps.get(h);
  SerialGuard guard(s->serial, call);
  if (s->closed) invalid_handle(h);
  // The channel under the session is gone: the client's request send fails (inferred from
  // russh-sftp: an mpsc SendError).
  if (s->client->disconnected.load()) fail("internal", std::string("SFTP ") + step + ": SendError: channel closed");
  std::string root;
  try {
    root = guest_root(s->client->sb);
  } catch (const MsbError&) {
    fail("internal", std::string("SFTP ") + step + ": Failure: Failure");
  }
  return f(*s, root);
}

void mkdir_all(const std::string& root, const std::string& guest) {
  std::string g;
  for (auto& part : components(guest)) {
    if (part == "." || part == "..") continue;
    g += "/" + part;
    std::string hp = host_path(root, g);
    if (::mkdir(hp.c_str(), 0755) != 0 && errno != EEXIST) sftp_fail("mkdir", errno);
    struct stat st;
    if (stat(hp.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) sftp_fail("mkdir", EEXIST);
  }
}

// ------------------------------------------------------------ the server endpoint

std::vector<std::string> load_authorized_keys(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT)
    fail("internal", "SSH authorized keys not found at " + path +
                         "; add one with `msb ssh authorize --file ~/.ssh/id_ed25519.pub`");
  std::ifstream in(path);
  if (!in || S_ISDIR(st.st_mode)) fail("io", "io error: cannot read " + path);
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    std::stringstream ss(line.substr(start));
    std::string type, blob;
    ss >> type >> blob;
    if (type.rfind("ssh-", 0) != 0 && type.rfind("ecdsa-", 0) != 0)
      fail("internal", "invalid SSH authorized key: unsupported key type " + type);
    if (blob.empty()) fail("internal", "invalid SSH authorized key: missing key data");
    keys.push_back(blob);
  }
  return keys;
}

// Loads the host key file, creating it (mode 0600, parents created) when absent.
void load_or_create_host_key(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) fail("internal", "load SSH host key: not a regular file: " + path);
    ::chmod(path.c_str(), 0600);
    return;
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) mkdirs(path.substr(0, slash));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail("io", std::string("io error: ") + std::strerror(errno) + " (os error " + std::to_string(errno) + ")");
  std::string body =
      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
      "cnVudGltZSBkb3VibGUgcGxhY2Vob2xkZXIgaG9zdCBrZXk=\n"
      "-----END OPENSSH PRIVATE KEY-----\n";
  ssize_t w = ::write(fd, body.data(), body.size());
  (void)w;
  ::close(fd);
}

// Reads one line from this process's stdin, cancellably; false on EOF.
bool read_stdin_line(Call& call, std::string& line) {
  line.clear();
  while (line.size() < 255) {
    call.check_cancel();
    pollfd p{0, POLLIN, 0};
    int r = ::poll(&p, 1, 50);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) continue;
    char c;
    ssize_t n = ::read(0, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
    if (c != '\r') line.push_back(c);
  }
  return true;
}

}  // namespace

// ------------------------------------------------------------ §5.14 client and server

MSB_EXPORT char* msb_sandbox_ssh_connect(uint64_t cancel_id, Handle handle, const char* opts_json, unsigned char* buf,
                                         uintptr_t buf_len) {
  return run_call("msb_sandbox_ssh_connect", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    SandboxP sb = g_sandboxes.get(handle);
    auto c = std::make_shared<SshClientObj>();
    c->sb = sb;
    c->term = default_term();
    parse_opts(opts_json, "client", [&](const Json& j) {
      c->user = opt_string(j, "user", "root");
      c->term = opt_string(j, "term", c->term);
      c->sftp = opt_bool(j, "sftp", true);
      check_timeout(j);
    });
    Json r = Json::object();
    r.set("client_handle", g_ssh_clients.insert(std::move(c)));
    return r;
  });
}

MSB_EXPORT char* msb_sandbox_ssh_server(uint64_t cancel_id, Handle handle, const char* opts_json, unsigned char* buf,
                                        uintptr_t buf_len) {
  return run_call("msb_sandbox_ssh_server", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    SandboxP sb = g_sandboxes.get(handle);
    std::string host_key, authorized;
    parse_opts(opts_json, "server", [&](const Json& j) {
      host_key = opt_string(j, "host_key_path", "");
      authorized = opt_string(j, "authorized_keys_path", "");
      opt_string(j, "user", "");
      opt_bool(j, "sftp", true);
      check_timeout(j);
    });
    if (authorized.empty()) authorized = msb_home() + "/ssh/authorized_keys";
    if (load_authorized_keys(authorized).empty()) fail("internal", "SSH server has no authorized public keys");
    if (host_key.empty()) host_key = sandbox_dir(sb->name) + "/ssh/host_ed25519";
    load_or_create_host_key(host_key);
    auto s = std::make_shared<SshServerObj>();
    s->sb = sb;
    Json r = Json::object();
    r.set("server_handle", g_ssh_servers.insert(std::move(s)));
    return r;
  });
}

MSB_EXPORT char* msb_ssh_server_close(uint64_t cancel_id, Handle server_handle, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_ssh_server_close", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    SshServerP s = g_ssh_servers.take(server_handle);
    SerialGuard guard(s->serial, call);
    if (s->closed) invalid_handle(server_handle);
    s->closed = true;
    s->sb.reset();
    return ok();
  });
}

namespace {
// One SSH connection on this process's stdin/stdout: the server's identification line
// goes to stdout and the client's is read from stdin. The double stops there.
Json serve_stdio(Call& call, uint64_t server_handle) {
  SshServerP s = g_ssh_servers.get(server_handle);
  {
    SerialGuard guard(s->serial, call);
    if (s->closed) invalid_handle(server_handle);
  }
  const std::string ident = "SSH-2.0-microsandbox_runtime_double\r\n";
  if (::write(1, ident.data(), ident.size()) < 0)
    fail("internal", std::string("SSH server handshake: ") + std::strerror(errno));
  std::string line;
  if (!read_stdin_line(call, line)) fail("internal", "SSH server handshake: connection closed by the client");
  if (line.rfind("SSH-2.0-", 0) != 0) fail("internal", "SSH server handshake: invalid client identification");
  fail("unsupported_operation",
       "unsupported operation: the runtime double performs the SSH identification exchange only (client: " + line + ")");
}
}  // namespace

MSB_EXPORT char* msb_ssh_server_serve_stdio(uint64_t cancel_id, Handle server_handle, unsigned char* buf,
                                            uintptr_t buf_len) {
  return run_call("msb_ssh_server_serve_stdio", CidMode::Use, cancel_id, buf, buf_len,
                  [&](Call& call) -> Json { return serve_stdio(call, server_handle); });
}

MSB_EXPORT char* msb_ssh_server_serve_connection(uint64_t cancel_id, Handle server_handle, unsigned char* buf,
                                                 uintptr_t buf_len) {
  return run_call("msb_ssh_server_serve_connection", CidMode::Use, cancel_id, buf, buf_len,
                  [&](Call& call) -> Json { return serve_stdio(call, server_handle); });
}

MSB_EXPORT char* msb_ssh_client_exec(uint64_t cancel_id, Handle client_handle, const char* command,
                                     const char* opts_json, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_exec", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_ssh_clients.get(client_handle);
    std::string cmd = arg_str(command);
    bool tty = false;
    parse_opts(opts_json, "exec", [&](const Json& j) { tty = opt_bool(j, "tty", false); });
    LockedClient lc(client_handle, call);
    SshRun r;
    try {
      r = ssh_exec_run(call, lc.c->sb, shell_of(lc.c->sb), {"-c", cmd}, tty, lc.c->term);
    } catch (const MsbError& e) {
      if (e.kind == "invalid_argument") throw;
      fail("internal", "SSH channel closed during exec request");
    }
    Json out = Json::object();
    out.set("status", r.status);
    out.set("stdout", base64_encode(r.out));
    out.set("stderr", base64_encode(r.err));
    return out;
  });
}

MSB_EXPORT char* msb_ssh_client_attach(uint64_t cancel_id, Handle client_handle, const char* opts_json,
                                       unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_attach", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_ssh_clients.get(client_handle);
    std::string term = default_term(), keys = "ctrl-]";
    parse_opts(opts_json, "attach", [&](const Json& j) {
      term = opt_string(j, "term", term);
      keys = opt_string(j, "detach_keys", keys);
    });
    if (keys.rfind("ctrl-", 0) != 0 || keys.size() < 6) fail("internal", "invalid detach keys: " + keys);
    LockedClient lc(client_handle, call);
    if (!isatty(0)) fail("internal", "terminal error: stdin is not a terminal");
    int64_t status = 0;
    try {
      status = ssh_attach_run(call, lc.c->sb, shell_of(lc.c->sb), term, keys);
    } catch (const MsbError&) {
      fail("internal", "SSH channel closed during request shell");
    }
    Json out = Json::object();
    out.set("status", status);
    return out;
  });
}

MSB_EXPORT char* msb_ssh_client_close(uint64_t cancel_id, Handle client_handle, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_close", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    SshClientP c = g_ssh_clients.take(client_handle);
    SerialGuard guard(c->serial, call);
    if (c->closed) invalid_handle(client_handle);
    c->closed = true;
    c->disconnected = true;
    return ok();
  });
}

MSB_EXPORT char* msb_ssh_client_sftp(uint64_t cancel_id, Handle client_handle, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_sftp", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    LockedClient lc(client_handle, call);
    if (!lc.c->sftp) fail("internal", "SSH SFTP subsystem failed");
    try {
      guest_root(lc.c->sb);
    } catch (const MsbError&) {
      fail("internal", "SSH channel closed during SFTP subsystem");
    }
    auto s = std::make_shared<SftpObj>();
    s->client = lc.c;
    s->cwd = workdir_of(lc.c->sb);
    Json r = Json::object();
    r.set("sftp_handle", g_sftps.insert(std::move(s)));
    return r;
  });
}

// ------------------------------------------------------------ §5.14 SFTP

MSB_EXPORT char* msb_sftp_read(uint64_t cancel_id, Handle sftp_handle, const char* path, unsigned char* buf,
                               uintptr_t buf_len) {
  return run_call("msb_sftp_read", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string p = arg_str(path);
    return sftp_op(sftp_handle, call, "read", [&](SftpObj& s, const std::string& root) {
      int fd = ::open(host_path(root, normalize(s, p)).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) sftp_fail("read", errno);
      std::string data;
      char chunk[65536];
      while (true) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          int e = errno;
          ::close(fd);
          sftp_fail("read", e);
        }
        if (n == 0) break;
        data.append(chunk, static_cast<size_t>(n));
      }
      ::close(fd);
      Json r = Json::object();
      r.set("data", base64_encode(data));
      return r;
    });
  });
}

MSB_EXPORT char* msb_sftp_write(uint64_t cancel_id, Handle sftp_handle, const char* path, const char* data_b64,
                                unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_sftp_write", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string p = arg_str(path);
    std::string b64 = arg_str(data_b64);
    std::string data;
    try {
      data = base64_decode(b64);
    } catch (const ParseError& e) {
      fail("invalid_argument", std::string("invalid base64 data: ") + e.what());
    }
    return sftp_op(sftp_handle, call, "write", [&](SftpObj& s, const std::string& root) {
      int fd = ::open(host_path(root, normalize(s, p)).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) sftp_fail("create", errno);
      size_t off = 0;
      while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          int e = errno;
          ::close(fd);
          sftp_fail("write", e);
        }
        off += static_cast<size_t>(n);
      }
      if (::close(fd) != 0) sftp_fail("close file", errno);
      return ok();
    });
  });
}

MSB_EXPORT char* msb_sftp_mkdir(uint64_t cancel_id, Handle sftp_handle, const char* path, unsigned char* buf,
                                uintptr_t buf_len) {
  return run_call("msb_sftp_mkdir", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string p = arg_str(path);
    return sftp_op(sftp_handle, call, "mkdir", [&](SftpObj& s, const std::string& root) {
      mkdir_all(root, normalize(s, p));  // the guest agent creates parents too
      return ok();
    });
  });
}

MSB_EXPORT char* msb_sftp_remove_file(uint64_t cancel_id, Handle sftp_handle, const char* path, unsigned char* buf,
                                      uintptr_t buf_len) {
  return run_call("msb_sftp_remove_file", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string p = arg_str(path);
    return sftp_op(sftp_handle, call, "remove file", [&](SftpObj& s, const std::string& root) {
      if (::unlink(host_path(root, normalize(s, p)).c_str()) != 0) sftp_fail("remove file", errno);
      return ok();
    });
  });
}

MSB_EXPORT char* msb_sftp_remove_dir(uint64_t cancel_id, Handle sftp_handle, const char* path, unsigned char* buf,
                                     uintptr_t buf_len) {
  return run_call("msb_sftp_remove_dir", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string p = arg_str(path);
    return sftp_op(sftp_handle, call, "remove dir", [&](SftpObj& s, const std::string& root) {
      std::string g = normalize(s, p);
      if (components(g).empty()) sftp_fail("remove dir", EBUSY);
      if (::rmdir(host_path(root, g).c_str()) != 0) sftp_fail("remove dir", errno);
      return ok();
    });
  });
}

MSB_EXPORT char* msb_sftp_rename(uint64_t cancel_id, Handle sftp_handle, const char* old_path, const char* new_path,
                                 unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_sftp_rename", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string from = arg_str(old_path);
    std::string to = arg_str(new_path);
    return sftp_op(sftp_handle, call, "rename", [&](SftpObj& s, const std::string& root) {
      if (::rename(host_path(root, normalize(s, from)).c_str(), host_path(root, normalize(s, to)).c_str()) != 0)
        sftp_fail("rename", errno);
      return ok();
    });
  });
}

MSB_EXPORT char* msb_sftp_real_path(uint64_t cancel_id, Handle sftp_handle, const char* path, unsigned char* buf,
                                    uintptr_t buf_len) {
  return run_call("msb_sftp_real_path", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string p = arg_str(path);
    return sftp_op(sftp_handle, call, "realpath", [&](SftpObj& s, const std::string& root) {
      std::string g = normalize(s, p), out;
      int err = canonicalize(root, g, out);
      if (err != 0) {
        // As the guest agent: a missing last component resolves against its parent.
        auto parts = components(g);
        if (parts.empty() || parts.back() == "." || parts.back() == "..") sftp_fail("realpath", err);
        std::string parent;
        for (size_t i = 0; i + 1 < parts.size(); i++) parent += "/" + parts[i];
        std::string resolved;
        if (canonicalize(root, parent.empty() ? "/" : parent, resolved) != 0) sftp_fail("realpath", err);
        out = (resolved == "/" ? "" : resolved) + "/" + parts.back();
      }
      Json r = Json::object();
      r.set("path", out);
      return r;
    });
  });
}

MSB_EXPORT char* msb_sftp_read_link(uint64_t cancel_id, Handle sftp_handle, const char* path, unsigned char* buf,
                                    uintptr_t buf_len) {
  return run_call("msb_sftp_read_link", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string p = arg_str(path);
    return sftp_op(sftp_handle, call, "readlink", [&](SftpObj& s, const std::string& root) {
      char target[PATH_MAX];
      ssize_t n = ::readlink(host_path(root, normalize(s, p)).c_str(), target, sizeof target - 1);
      if (n < 0) sftp_fail("readlink", errno);
      Json r = Json::object();
      r.set("target", std::string(target, static_cast<size_t>(n)));
      return r;
    });
  });
}

MSB_EXPORT char* msb_sftp_symlink(uint64_t cancel_id, Handle sftp_handle, const char* target, const char* link_path,
                                  unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_sftp_symlink", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    g_sftps.get(sftp_handle);
    std::string t = arg_str(target);
    std::string l = arg_str(link_path);
    return sftp_op(sftp_handle, call, "symlink", [&](SftpObj& s, const std::string& root) {
      // The target is stored as given (a guest path); the link is created in the root.
      if (::symlink(t.c_str(), host_path(root, normalize(s, l)).c_str()) != 0) sftp_fail("symlink", errno);
      return ok();
    });
  });
}

MSB_EXPORT char* msb_sftp_close(uint64_t cancel_id, Handle sftp_handle, unsigned char* buf, uintptr_t buf_len) {
  return run_call("msb_sftp_close", CidMode::Use, cancel_id, buf, buf_len, [&](Call& call) -> Json {
    SftpP s = g_sftps.take(sftp_handle);
    SerialGuard guard(s->serial, call);
    if (s->closed) invalid_handle(sftp_handle);
    s->closed = true;
    // russh-sftp's close only ends the channel stream: already gone after a disconnect, it succeeds.
    return ok();
  });
}
