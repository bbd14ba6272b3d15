/**
 * The 139 exports of the microsandbox runtime C ABI (docs/runtime-abi.md, Appendix A),
 * with their exact C signatures in koffi notation and the facts the call protocol needs:
 *
 * - `shape`: `json` (error return + JSON written to a caller buffer), `raw` (agent calls,
 *   out-pointers, no buffer) or `void` (scalar utilities).
 * - `cid`: takes a cancel id that it consumes (`y`), accepts and ignores it (`ign`), or none (`n`).
 * - `mode`: where the call runs. `instant` calls return promptly and run on the calling thread;
 *   `short` calls do bounded I/O on libuv's pool; `long` calls may block for seconds to minutes;
 *   `recv` calls wait for an event without bound and are cancel-safe, so the executor may
 *   time-slice them (cancel and re-issue without losing an item).
 * - `effects`: `read` calls are idempotent and may be retried once with a larger buffer;
 *   `write` calls have side effects and must never lose their result to a small buffer.
 * - `buffer`: output buffer size in bytes.
 *
 * @internal
 */

const MiB = 1024 * 1024

export type Shape = "json" | "raw" | "void"
export type CidMode = "y" | "n" | "ign"
export type Mode = "instant" | "short" | "long" | "recv"
export type Effects = "read" | "write"

export interface Signature<Name extends string = string> {
  readonly name: Name
  readonly prototype: string
  readonly shape: Shape
  readonly cid: CidMode
  readonly mode: Mode
  readonly effects: Effects
  readonly buffer: number
}

/** The export's name in its prototype: the `msb_` identifier before the parameter list. */
type NameOf<Prototype extends string> = Prototype extends `${string} msb_${infer Rest}(${string}` ?
  `msb_${Rest}`
  : never

const sig = <const Prototype extends string>(
  prototype: Prototype,
  shape: Shape,
  cid: CidMode,
  mode: Mode,
  effects: Effects,
  buffer: number
): Signature<NameOf<Prototype>> => ({
  // the same reading of the prototype as `NameOf`, at run time
  name: prototype.slice(prototype.indexOf(" msb_") + 1, prototype.indexOf("(")) as NameOf<Prototype>,
  prototype,
  shape,
  cid,
  mode,
  effects,
  buffer
})

const table = [
  sig("void * msb_agent_close(uint64_t cancel_id, uint64_t agent_handle)", "raw", "y", "short", "write", MiB),
  sig("void msb_agent_free_bytes(uint8_t * ptr, uintptr_t len)", "void", "n", "instant", "write", MiB),
  sig(
    "void * msb_agent_open_path(uint64_t cancel_id, const char * path, uint64_t timeout_ms, _Out_ uint64_t * out_handle)",
    "raw",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_agent_open_sandbox(uint64_t cancel_id, const char * name, uint64_t timeout_ms, _Out_ uint64_t * out_handle)",
    "raw",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_agent_ready_bytes(uint64_t agent_handle, _Out_ uint8_t ** out_body_ptr, _Out_ uintptr_t * out_body_len)",
    "raw",
    "n",
    "instant",
    "write",
    MiB
  ),
  sig(
    "void * msb_agent_request(uint64_t cancel_id, uint64_t agent_handle, uint8_t flags, const uint8_t * body_ptr, uintptr_t body_len, _Out_ uint32_t * out_id, _Out_ uint8_t * out_flags, _Out_ uint8_t ** out_body_ptr, _Out_ uintptr_t * out_body_len)",
    "raw",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_agent_send(uint64_t cancel_id, uint64_t agent_handle, uint32_t id, uint8_t flags, const uint8_t * body_ptr, uintptr_t body_len)",
    "raw",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_agent_socket_path(const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "n",
    "instant",
    "read",
    MiB
  ),
  sig(
    "void * msb_agent_stream_close(uint64_t cancel_id, uint64_t agent_handle, uint64_t stream_handle)",
    "raw",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_agent_stream_next(uint64_t cancel_id, uint64_t agent_handle, uint64_t stream_handle, _Out_ bool * out_present, _Out_ uint32_t * out_id, _Out_ uint8_t * out_flags, _Out_ uint8_t ** out_body_ptr, _Out_ uintptr_t * out_body_len)",
    "raw",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_agent_stream_open(uint64_t cancel_id, uint64_t agent_handle, uint8_t flags, const uint8_t * body_ptr, uintptr_t body_len, _Out_ uint32_t * out_id, _Out_ uint64_t * out_stream_handle)",
    "raw",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_all_sandbox_metrics(uint64_t cancel_id, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig("uint64_t msb_cancel_alloc()", "void", "n", "instant", "write", MiB),
  sig("void msb_cancel_trigger(uint64_t id)", "void", "n", "instant", "write", MiB),
  sig("void msb_cancel_unregister(uint64_t id)", "void", "n", "instant", "write", MiB),
  sig(
    "void * msb_default_backend_info(uint8_t * buf, uintptr_t buf_len)",
    "json",
    "n",
    "instant",
    "read",
    MiB
  ),
  sig(
    "void * msb_exec_close(uint64_t cancel_id, uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "ign",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_collect(uint64_t cancel_id, uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_id(uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "n",
    "long",
    "read",
    MiB
  ),
  sig(
    "void * msb_exec_kill(uint64_t cancel_id, uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_recv(uint64_t cancel_id, uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "recv",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_resize(uint64_t cancel_id, uint64_t exec_handle, uint16_t rows, uint16_t cols, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_signal(uint64_t cancel_id, uint64_t exec_handle, int32_t signal, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_stdin_close(uint64_t cancel_id, uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_stdin_write(uint64_t cancel_id, uint64_t exec_handle, const char * data_b64, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_exec_wait(uint64_t cancel_id, uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig("void msb_free_string(void * ptr)", "void", "n", "instant", "write", MiB),
  sig(
    "void * msb_fs_copy(uint64_t cancel_id, uint64_t handle, const char * src, const char * dst, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_copy_from_host(uint64_t cancel_id, uint64_t handle, const char * host_path, const char * guest_path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_copy_to_host(uint64_t cancel_id, uint64_t handle, const char * guest_path, const char * host_path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_exists(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_fs_list(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_fs_mkdir(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_read(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_fs_read_stream(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_read_stream_close(uint64_t stream_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "n",
    "instant",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_read_stream_recv(uint64_t cancel_id, uint64_t stream_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    6 * MiB
  ),
  sig(
    "void * msb_fs_remove(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_remove_dir(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_rename(uint64_t cancel_id, uint64_t handle, const char * src, const char * dst, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_stat(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_fs_write(uint64_t cancel_id, uint64_t handle, const char * path, const char * data_b64, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_write_stream(uint64_t cancel_id, uint64_t handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_write_stream_close(uint64_t cancel_id, uint64_t stream_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_fs_write_stream_write(uint64_t cancel_id, uint64_t stream_handle, const char * data_b64, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_image_get(uint64_t cancel_id, const char * reference, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_image_inspect(uint64_t cancel_id, const char * reference, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_image_list(uint64_t cancel_id, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_image_load(uint64_t cancel_id, const char * input_path, const char * tags_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_image_prune(uint64_t cancel_id, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_image_remove(uint64_t cancel_id, const char * reference, bool force, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_image_save(uint64_t cancel_id, const char * references_json, const char * output_path, const char * format, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_log_close(uint64_t stream_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "n",
    "instant",
    "write",
    MiB
  ),
  sig(
    "void * msb_log_recv(uint64_t cancel_id, uint64_t stream_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "recv",
    "write",
    MiB
  ),
  sig(
    "void * msb_metrics_close(uint64_t stream_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "n",
    "instant",
    "write",
    MiB
  ),
  sig(
    "void * msb_metrics_recv(uint64_t cancel_id, uint64_t stream_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "recv",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_attach(uint64_t cancel_id, uint64_t handle, const char * cmd, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_attach_default(uint64_t cancel_id, uint64_t handle, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_attach_shell(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_close(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "ign",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_connect(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_create(uint64_t cancel_id, const char * name, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_detach(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_drain(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_exec(uint64_t cancel_id, uint64_t handle, const char * cmd, const char * exec_opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_exec_default(uint64_t cancel_id, uint64_t handle, const char * exec_opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_exec_default_stream(uint64_t cancel_id, uint64_t handle, const char * exec_opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_exec_stream(uint64_t cancel_id, uint64_t handle, const char * cmd, const char * exec_opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_kill(uint64_t cancel_id, const char * name, uint64_t timeout_ms, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_log_stream(uint64_t cancel_id, const char * name, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_logs(uint64_t cancel_id, const char * name, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    48 * MiB
  ),
  sig(
    "void * msb_sandbox_handle_metrics(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_modify(uint64_t cancel_id, const char * name, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_ping(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_request_drain(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_request_kill(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_request_stop(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_snapshot(uint64_t cancel_id, const char * sandbox_name, const char * snapshot_name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_stop(uint64_t cancel_id, const char * name, uint64_t timeout_ms, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_touch(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_handle_wait_until_stopped(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "recv",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_kill(uint64_t cancel_id, uint64_t handle, uint64_t timeout_ms, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_list(uint64_t cancel_id, const char * filter_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_log_stream(uint64_t cancel_id, uint64_t handle, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_logs(uint64_t cancel_id, uint64_t handle, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    48 * MiB
  ),
  sig(
    "void * msb_sandbox_lookup(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_metrics(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_metrics_stream(uint64_t cancel_id, uint64_t handle, uint64_t interval_ms, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_modify(uint64_t cancel_id, uint64_t handle, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_owns_lifecycle(uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "n",
    "instant",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_ping(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_sandbox_remove(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_remove_persisted(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_request_drain(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_request_kill(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_request_stop(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_ssh_connect(uint64_t cancel_id, uint64_t handle, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_ssh_server(uint64_t cancel_id, uint64_t handle, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_start(uint64_t cancel_id, const char * name, bool detached, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_stop(uint64_t cancel_id, uint64_t handle, uint64_t timeout_ms, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_stop_and_wait(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_touch(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_wait(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "recv",
    "write",
    MiB
  ),
  sig(
    "void * msb_sandbox_wait_until_stopped(uint64_t cancel_id, uint64_t handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "recv",
    "read",
    MiB
  ),
  sig("void msb_set_sdk_msb_path(const char * path)", "void", "n", "instant", "write", MiB),
  sig(
    "void * msb_sftp_close(uint64_t cancel_id, uint64_t sftp_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sftp_mkdir(uint64_t cancel_id, uint64_t sftp_handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sftp_read(uint64_t cancel_id, uint64_t sftp_handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_sftp_read_link(uint64_t cancel_id, uint64_t sftp_handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_sftp_real_path(uint64_t cancel_id, uint64_t sftp_handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_sftp_remove_dir(uint64_t cancel_id, uint64_t sftp_handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sftp_remove_file(uint64_t cancel_id, uint64_t sftp_handle, const char * path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sftp_rename(uint64_t cancel_id, uint64_t sftp_handle, const char * old_path, const char * new_path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sftp_symlink(uint64_t cancel_id, uint64_t sftp_handle, const char * target, const char * link_path, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_sftp_write(uint64_t cancel_id, uint64_t sftp_handle, const char * path, const char * data_b64, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_snapshot_create(uint64_t cancel_id, const char * source_sandbox, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_snapshot_export(uint64_t cancel_id, const char * name_or_path, const char * out, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_snapshot_get(uint64_t cancel_id, const char * name_or_digest, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_snapshot_import(uint64_t cancel_id, const char * archive, const char * dest, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_snapshot_list(uint64_t cancel_id, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_snapshot_list_dir(uint64_t cancel_id, const char * dir, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_snapshot_open(uint64_t cancel_id, const char * path_or_name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_snapshot_reindex(uint64_t cancel_id, const char * dir, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_snapshot_remove(uint64_t cancel_id, const char * path_or_name, bool force, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_snapshot_verify(uint64_t cancel_id, const char * path_or_name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "read",
    MiB
  ),
  sig(
    "void * msb_ssh_client_attach(uint64_t cancel_id, uint64_t client_handle, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_ssh_client_close(uint64_t cancel_id, uint64_t client_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_ssh_client_exec(uint64_t cancel_id, uint64_t client_handle, const char * command, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_ssh_client_sftp(uint64_t cancel_id, uint64_t client_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_ssh_server_close(uint64_t cancel_id, uint64_t server_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_ssh_server_serve_connection(uint64_t cancel_id, uint64_t server_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_ssh_server_serve_stdio(uint64_t cancel_id, uint64_t server_handle, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig("void * msb_version(uint8_t * buf, uintptr_t buf_len)", "json", "n", "instant", "read", MiB),
  sig(
    "void * msb_volume_create(uint64_t cancel_id, const char * name, const char * opts_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "long",
    "write",
    MiB
  ),
  sig(
    "void * msb_volume_fs_op(uint64_t cancel_id, const char * target, const char * op, const char * args_json, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  ),
  sig(
    "void * msb_volume_get(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_volume_get_default(uint64_t cancel_id, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_volume_list(uint64_t cancel_id, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "read",
    MiB
  ),
  sig(
    "void * msb_volume_remove(uint64_t cancel_id, const char * name, uint8_t * buf, uintptr_t buf_len)",
    "json",
    "y",
    "short",
    "write",
    MiB
  )
] as const

export const signatures: ReadonlyArray<Signature> = table

/** The 139 export names, as a union type (read from the table's prototypes). */
export type FunctionName = (typeof table)[number]["name"]

export const signatureByName: ReadonlyMap<string, Signature> = new Map(signatures.map((s) => [s.name, s]))
