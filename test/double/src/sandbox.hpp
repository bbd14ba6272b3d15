// The double's model of local sandboxes: persisted records (so a second process sees
// them), the "VM" helper process that stands in for the microVM, and the agent channel.
#pragma once
#include <sys/types.h>

#include <deque>
#include <optional>
#include <string>

#include "core.hpp"

namespace msbd {

// ------------------------------------------------------------ persisted records
// $MSB_HOME/sandboxes/<name>/record.json, guarded across processes by an flock on
// $MSB_HOME/sandboxes/.lock. Fields: id, name, status, opts (create options as given),
// config (persisted config), created_at, pid, pid_start, boot_id, agent, ephemeral.

std::string sandboxes_root();
std::string sandbox_dir(const std::string& name);
std::string sandbox_root_fs(const Json& rec);  // the guest's "/" on the host
std::string log_dir(const std::string& name);

class StoreLock {
 public:
  StoreLock();
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_;
};

std::optional<Json> load_record(const std::string& name);  // raw, no reconciliation
void save_record(const Json& rec);
void delete_sandbox_state(const std::string& name);
uint64_t next_record_id();
// Under StoreLock: reconcile a running/draining record whose VM is gone
// (running -> crashed, draining -> stopped; ephemeral terminal -> deleted).
std::optional<Json> reconcile(Json rec);
std::optional<Json> lookup(const std::string& name);  // takes the lock and reconciles
std::vector<Json> all_records();                       // reconciled, any order
bool is_terminal(const std::string& status);
bool vm_alive(const Json& rec);
Json sandbox_info(const Json& rec);  // SandboxInfo (§5.0)
void set_status(const std::string& name, uint64_t boot_id, const std::string& status);
void validate_name(const std::string& name);

void mkdirs(const std::string& path);
void remove_tree(const std::string& path);  // best effort

// ------------------------------------------------------------ log and metrics streams
// Items (values, or error documents {kind, message}) delivered in order, then a sticky
// {"done":true}. A second concurrent receive fails "<busy_message>" (a try-lock).
struct ItemStream {
  WaitableP w = std::make_shared<Waitable>();
  std::deque<std::pair<bool, Json>> items;  // guarded by w->m; (is_error, payload)
  bool done = false;                        // guarded by w->m
  std::atomic<bool> closed{false};
  std::mutex recv_m;
  Json recv(Call& call, const char* busy_message);
  void close();
};

// ------------------------------------------------------------ system log lines
void append_system_log(const std::string& name, const std::string& line);

// ------------------------------------------------------------ the VM process
struct VmProc {
  pid_t pid = 0;
  WaitableP w = std::make_shared<Waitable>();
  bool exited = false;  // guarded by w->m
  int status = 0;       // waitpid status
};
using VmProcP = std::shared_ptr<VmProc>;

// A live sandbox handle (sandbox namespace of §3.1).
struct SandboxObj {
  std::string name;
  uint64_t boot_id = 0;
  std::string agent;  // agent socket address
  bool owns = false;
  bool ephemeral = false;
  VmProcP proc;          // the VM child process (owner handles)
  int watchdog_fd = -1;  // write end held by the owner; closing it stops the VM
  ~SandboxObj();
};
using SandboxP = std::shared_ptr<SandboxObj>;
extern Registry<SandboxObj>& g_sandboxes;

// Boots a VM for the record (create/start). Blocks until the agent is ready.
// Throws MsbError / Cancelled; on cancel or failure nothing is left running.
SandboxP boot_sandbox(Call& call, Json rec, bool detached);

// Stop machinery shared by the handle and by-name calls.
void request_stop(const std::string& name);
void request_drain(const std::string& name);
void request_kill(Call& call, const std::string& name);
// Polls until terminal or timeout; true when a terminal state was observed.
bool wait_terminal(Call& call, const std::string& name, const SandboxP& owner, int64_t timeout_ms);
void stop_sandbox(Call& call, const std::string& name, const SandboxP& owner, uint64_t timeout_ms);
void kill_sandbox(Call& call, const std::string& name, const SandboxP& owner, uint64_t timeout_ms);
Json wait_until_stopped(Call& call, const std::string& name, const SandboxP& owner, bool ephemeral);

// ------------------------------------------------------------ agent channel
// Frames: 4-byte big-endian length, then a JSON document.
class AgentConn {
 public:
  AgentConn() = default;
  ~AgentConn();
  AgentConn(const AgentConn&) = delete;
  AgentConn& operator=(const AgentConn&) = delete;
  // Connects and handshakes; throws internal on failure, Cancelled on cancel.
  void open(const std::string& addr, Token* tok, int64_t timeout_ms);
  void send(const Json& j);
  // Returns nullopt on EOF. Throws Cancelled (tok) or internal on timeout/error.
  std::optional<Json> recv(Token* tok, int64_t timeout_ms);
  int fd() const { return fd_; }
  void close_fd();

 private:
  int fd_ = -1;
  std::string pending_;
};
// One request/response round trip over a fresh connection.
Json agent_request(const std::string& addr, const Json& req, Token* tok, int64_t timeout_ms);
// The live agent address of a running sandbox (throws as the runtime would).
std::string agent_address(const Json& rec, const char* operation = nullptr);
std::string rust_status(const std::string& status);

// Frame helpers shared with the VM program.
bool write_frame(int fd, const std::string& payload);
// Reads one frame into out; returns false on EOF. Blocking.
bool read_frame(int fd, std::string& out);
int connect_abstract(const std::string& addr);
int listen_abstract(const std::string& addr);

}  // namespace msbd

// ------------------------------------------------------------ SSH (exec.cpp, fs.cpp → ssh.cpp)
namespace msbd {
struct SshRun {
  std::string out, err;
  int64_t status = 0;
};
SshRun ssh_exec_run(Call& call, const SandboxP& sb, const std::string& shell, const std::vector<std::string>& args,
                    bool tty, const std::string& term);
int64_t ssh_attach_run(Call& call, const SandboxP& sb, const std::string& shell, const std::string& term,
                       const std::string& detach_keys);
// The live sandbox's root folder (internal "agent client error" when its VM is gone).
std::string guest_root(const SandboxP& s);
// A guest path lexically normalized and mapped into root (never above it).
std::string host_path(const std::string& root, const std::string& guest);
}  // namespace msbd
