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

MSB_EXPORT char* msb_image_get(uint64_t cancel_id, const char *reference, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_image_get", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(reference);
    unsupported("msb_image_get");
    return Json();
  });
}

MSB_EXPORT char* msb_image_list(uint64_t cancel_id, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_image_list", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    unsupported("msb_image_list");
    return Json();
  });
}

MSB_EXPORT char* msb_image_inspect(uint64_t cancel_id, const char *reference, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_image_inspect", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(reference);
    unsupported("msb_image_inspect");
    return Json();
  });
}

MSB_EXPORT char* msb_image_remove(uint64_t cancel_id, const char *reference, bool force, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_image_remove", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(reference);
    unsupported("msb_image_remove");
    return Json();
  });
}

MSB_EXPORT char* msb_image_prune(uint64_t cancel_id, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_image_prune", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    unsupported("msb_image_prune");
    return Json();
  });
}

MSB_EXPORT char* msb_image_load(uint64_t cancel_id, const char *input_path, const char *tags_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_image_load", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(input_path);
    arg_json(tags_json);
    unsupported("msb_image_load");
    return Json();
  });
}

MSB_EXPORT char* msb_image_save(uint64_t cancel_id, const char *references_json, const char *output_path, const char *format, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_image_save", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_json(references_json);
    arg_str(output_path);
    arg_str(format);
    unsupported("msb_image_save");
    return Json();
  });
}

MSB_EXPORT char* msb_sandbox_handle_snapshot(uint64_t cancel_id, const char *sandbox_name, const char *snapshot_name, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_sandbox_handle_snapshot", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(sandbox_name);
    arg_str(snapshot_name);
    unsupported("msb_sandbox_handle_snapshot");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_create(uint64_t cancel_id, const char *source_sandbox, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_create", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(source_sandbox);
    arg_json(opts_json);
    unsupported("msb_snapshot_create");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_open(uint64_t cancel_id, const char *path_or_name, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_open", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path_or_name);
    unsupported("msb_snapshot_open");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_verify(uint64_t cancel_id, const char *path_or_name, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_verify", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path_or_name);
    unsupported("msb_snapshot_verify");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_get(uint64_t cancel_id, const char *name_or_digest, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_get", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(name_or_digest);
    unsupported("msb_snapshot_get");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_list(uint64_t cancel_id, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_list", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    unsupported("msb_snapshot_list");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_list_dir(uint64_t cancel_id, const char *dir, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_list_dir", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(dir);
    unsupported("msb_snapshot_list_dir");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_remove(uint64_t cancel_id, const char *path_or_name, bool force, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_remove", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(path_or_name);
    unsupported("msb_snapshot_remove");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_reindex(uint64_t cancel_id, const char *dir, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_reindex", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(dir);
    unsupported("msb_snapshot_reindex");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_export(uint64_t cancel_id, const char *name_or_path, const char *out, const char *opts_json, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_export", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(name_or_path);
    arg_str(out);
    arg_json(opts_json);
    unsupported("msb_snapshot_export");
    return Json();
  });
}

MSB_EXPORT char* msb_snapshot_import(uint64_t cancel_id, const char *archive, const char *dest, unsigned char *buf, uintptr_t buf_len) {
  return run_call("msb_snapshot_import", CidMode::Use, cancel_id, buf, buf_len, [&](Call&) -> Json {
    arg_str(archive);
    arg_str(dest);
    unsupported("msb_snapshot_import");
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
