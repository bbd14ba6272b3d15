// Exports of the runtime double whose behaviour is not simulated: every symbol of the
// ABI exists with its exact signature, consumes its cancel id, validates its arguments
// like the real library, then answers unsupported_operation (it never claims a success
// it did not perform).
#include "sandbox.hpp"

MSB_EXPORT void msb_cancel_unregister(uint64_t id);

using namespace msbd;

namespace {
[[noreturn]] void unsupported(const char* fn) {
  fail("unsupported_operation", std::string("unsupported operation: ") + fn + " is not provided by the runtime double");
}
}  // namespace

MSB_EXPORT char* msb_sandbox_handle_modify(uint64_t cancel_id, const char *name, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sandbox_handle_modify", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(name);
    arg_json(opts_json);
    unsupported("msb_sandbox_handle_modify");
    return Json();
  });
}

MSB_EXPORT char* msb_sandbox_modify(uint64_t cancel_id, Handle handle, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sandbox_modify", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_json(opts_json);
    g_sandboxes.get(handle);
    unsupported("msb_sandbox_modify");
    return Json();
  });
}

MSB_EXPORT char* msb_sandbox_ssh_connect(uint64_t cancel_id, Handle handle, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sandbox_ssh_connect", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_json(opts_json);
    g_sandboxes.get(handle);
    unsupported("msb_sandbox_ssh_connect");
    return Json();
  });
}

MSB_EXPORT char* msb_sandbox_ssh_server(uint64_t cancel_id, Handle handle, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sandbox_ssh_server", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_json(opts_json);
    g_sandboxes.get(handle);
    unsupported("msb_sandbox_ssh_server");
    return Json();
  });
}

MSB_EXPORT char* msb_ssh_server_close(uint64_t cancel_id, Handle server_handle, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_ssh_server_close", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(server_handle));
    unsupported("msb_ssh_server_close");
    return Json();
  });
}

MSB_EXPORT char* msb_ssh_server_serve_stdio(uint64_t cancel_id, Handle server_handle, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_ssh_server_serve_stdio", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(server_handle));
    unsupported("msb_ssh_server_serve_stdio");
    return Json();
  });
}

MSB_EXPORT char* msb_ssh_server_serve_connection(uint64_t cancel_id, Handle server_handle, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_ssh_server_serve_connection", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(server_handle));
    unsupported("msb_ssh_server_serve_connection");
    return Json();
  });
}

MSB_EXPORT char* msb_ssh_client_exec(uint64_t cancel_id, Handle client_handle, const char *command, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_exec", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(command);
    arg_json(opts_json);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(client_handle));
    unsupported("msb_ssh_client_exec");
    return Json();
  });
}

MSB_EXPORT char* msb_ssh_client_attach(uint64_t cancel_id, Handle client_handle, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_attach", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_json(opts_json);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(client_handle));
    unsupported("msb_ssh_client_attach");
    return Json();
  });
}

MSB_EXPORT char* msb_ssh_client_close(uint64_t cancel_id, Handle client_handle, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_close", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(client_handle));
    unsupported("msb_ssh_client_close");
    return Json();
  });
}

MSB_EXPORT char* msb_ssh_client_sftp(uint64_t cancel_id, Handle client_handle, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_ssh_client_sftp", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(client_handle));
    unsupported("msb_ssh_client_sftp");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_read(uint64_t cancel_id, Handle sftp_handle, const char *path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_read", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_read");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_write(uint64_t cancel_id, Handle sftp_handle, const char *path, const char *data_b64, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_write", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path);
    arg_str(data_b64);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_write");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_mkdir(uint64_t cancel_id, Handle sftp_handle, const char *path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_mkdir", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_mkdir");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_remove_file(uint64_t cancel_id, Handle sftp_handle, const char *path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_remove_file", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_remove_file");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_remove_dir(uint64_t cancel_id, Handle sftp_handle, const char *path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_remove_dir", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_remove_dir");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_rename(uint64_t cancel_id, Handle sftp_handle, const char *old_path, const char *new_path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_rename", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(old_path);
    arg_str(new_path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_rename");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_real_path(uint64_t cancel_id, Handle sftp_handle, const char *path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_real_path", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_real_path");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_read_link(uint64_t cancel_id, Handle sftp_handle, const char *path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_read_link", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_read_link");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_symlink(uint64_t cancel_id, Handle sftp_handle, const char *target, const char *link_path, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_symlink", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(target);
    arg_str(link_path);
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_symlink");
    return Json();
  });
}

MSB_EXPORT char* msb_sftp_close(uint64_t cancel_id, Handle sftp_handle, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sftp_close", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(sftp_handle));
    unsupported("msb_sftp_close");
    return Json();
  });
}

MSB_EXPORT char* msb_volume_create(uint64_t cancel_id, const char *name, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_volume_create", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(name);
    arg_json_opt(opts_json, true);
    unsupported("msb_volume_create");
    return Json();
  });
}

MSB_EXPORT char* msb_volume_remove(uint64_t cancel_id, const char *name, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_volume_remove", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(name);
    unsupported("msb_volume_remove");
    return Json();
  });
}

MSB_EXPORT char* msb_volume_list(uint64_t cancel_id, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_volume_list", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    unsupported("msb_volume_list");
    return Json();
  });
}

MSB_EXPORT char* msb_volume_get(uint64_t cancel_id, const char *name, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_volume_get", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(name);
    unsupported("msb_volume_get");
    return Json();
  });
}

MSB_EXPORT char* msb_volume_get_default(uint64_t cancel_id, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_volume_get_default", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    unsupported("msb_volume_get_default");
    return Json();
  });
}

MSB_EXPORT char* msb_volume_fs_op(uint64_t cancel_id, const char *target, const char *op, const char *args_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_volume_fs_op", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(target);
    arg_str(op);
    arg_json(args_json);
    unsupported("msb_volume_fs_op");
    return Json();
  });
}

MSB_EXPORT char* msb_agent_open_sandbox(uint64_t cancel_id, const char *name, uint64_t timeout_ms, Handle *out_handle) {
  if (!out_handle) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  return run_raw("msb_agent_open_sandbox", cancel_id, true, [&](Call&) {
    arg_str(name);
    unsupported("msb_agent_open_sandbox");
  });
}

MSB_EXPORT char* msb_agent_open_path(uint64_t cancel_id, const char *path, uint64_t timeout_ms, Handle *out_handle) {
  if (!out_handle) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  return run_raw("msb_agent_open_path", cancel_id, true, [&](Call&) {
    arg_str(path);
    unsupported("msb_agent_open_path");
  });
}

MSB_EXPORT char* msb_agent_request(uint64_t cancel_id, Handle agent_handle, unsigned char flags, const unsigned char *body_ptr, uintptr_t body_len, uint32_t *out_id, unsigned char *out_flags, unsigned char **out_body_ptr, uintptr_t *out_body_len) {
  if (!out_id) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  if (!out_flags) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  return run_raw("msb_agent_request", cancel_id, true, [&](Call&) {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(agent_handle));
    unsupported("msb_agent_request");
  });
}

MSB_EXPORT char* msb_agent_stream_open(uint64_t cancel_id, Handle agent_handle, unsigned char flags, const unsigned char *body_ptr, uintptr_t body_len, uint32_t *out_id, Handle *out_stream_handle) {
  if (!out_id) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  if (!out_stream_handle) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  return run_raw("msb_agent_stream_open", cancel_id, true, [&](Call&) {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(agent_handle));
    unsupported("msb_agent_stream_open");
  });
}

MSB_EXPORT char* msb_agent_stream_next(uint64_t cancel_id, Handle agent_handle, Handle stream_handle, bool *out_present, uint32_t *out_id, unsigned char *out_flags, unsigned char **out_body_ptr, uintptr_t *out_body_len) {
  if (!out_present) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  if (!out_id) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  if (!out_flags) {
    msb_cancel_unregister(cancel_id);
    return make_error("invalid_argument", "null output pointer argument");
  }
  return run_raw("msb_agent_stream_next", cancel_id, true, [&](Call&) {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(agent_handle));
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(stream_handle));
    unsupported("msb_agent_stream_next");
  });
}

MSB_EXPORT char* msb_agent_stream_close(uint64_t cancel_id, Handle agent_handle, Handle stream_handle) {
  return run_raw("msb_agent_stream_close", cancel_id, true, [&](Call&) {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(agent_handle));
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(stream_handle));
    unsupported("msb_agent_stream_close");
  });
}

MSB_EXPORT char* msb_agent_send(uint64_t cancel_id, Handle agent_handle, uint32_t id, unsigned char flags, const unsigned char *body_ptr, uintptr_t body_len) {
  return run_raw("msb_agent_send", cancel_id, true, [&](Call&) {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(agent_handle));
    unsupported("msb_agent_send");
  });
}

MSB_EXPORT char* msb_agent_ready_bytes(Handle agent_handle, unsigned char **out_body_ptr, uintptr_t *out_body_len) {
  return run_raw("msb_agent_ready_bytes", 0, false, [&](Call&) {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(agent_handle));
    unsupported("msb_agent_ready_bytes");
  });
}

MSB_EXPORT char* msb_agent_close(uint64_t cancel_id, Handle agent_handle) {
  return run_raw("msb_agent_close", cancel_id, true, [&](Call&) {
    fail("invalid_handle", "unknown sandbox handle: " + std::to_string(agent_handle));
    unsupported("msb_agent_close");
  });
}

MSB_EXPORT void msb_agent_free_bytes(unsigned char *ptr, uintptr_t len) { free_bytes(ptr, len); }
