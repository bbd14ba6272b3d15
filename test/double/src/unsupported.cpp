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
