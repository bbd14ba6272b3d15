#include "json.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace msbd {

namespace {

struct Parser {
  const std::string& s;
  size_t i = 0;

  [[noreturn]] void fail(const std::string& what) {
    throw ParseError(what + " at line 1 column " + std::to_string(i + 1));
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  }
  bool lit(const char* word) {
    size_t n = std::strlen(word);
    if (s.compare(i, n, word) == 0) {
      i += n;
      return true;
    }
    return false;
  }
  static void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  uint32_t hex4() {
    if (i + 4 > s.size()) fail("invalid unicode escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
      char c = s[i++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("invalid unicode escape");
    }
    return v;
  }
  std::string str() {
    if (s[i] != '"') fail("expected string");
    i++;
    std::string out;
    while (true) {
      size_t run = i;
      while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        i++;
      }
      out.append(s, run, i - run);
      if (i >= s.size()) fail("EOF while parsing a string");
      unsigned char c = s[i++];
      if (c == '"') break;
      if (c < 0x20) fail("control character (\\u0000-\\u001F) found while parsing a string");
      if (i >= s.size()) fail("EOF while parsing a string");
      char e = s[i++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (!(i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u')) fail("lone leading surrogate in hex escape");
            i += 2;
            uint32_t lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) fail("invalid unicode code point");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("lone trailing surrogate in hex escape");
          }
          put_utf8(out, cp);
          break;
        }
        default: fail("invalid escape");
      }
    }
    return out;
  }
  Json num() {
    size_t start = i;
    bool neg = false, frac = false;
    if (s[i] == '-') {
      neg = true;
      i++;
    }
    if (i >= s.size() || !isdigit(static_cast<unsigned char>(s[i]))) fail("invalid number");
    if (s[i] == '0') i++;
    else while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) i++;
    if (i < s.size() && s[i] == '.') {
      frac = true;
      i++;
      if (i >= s.size() || !isdigit(static_cast<unsigned char>(s[i]))) fail("invalid number");
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) i++;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      frac = true;
      i++;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
      if (i >= s.size() || !isdigit(static_cast<unsigned char>(s[i]))) fail("invalid number");
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) i++;
    }
    const char* b = s.data() + start;
    const char* e = s.data() + i;
    if (!frac) {
      if (neg) {
        long long v;
        auto r = std::from_chars(b, e, v);
        if (r.ec == std::errc()) return Json(v);
      } else {
        unsigned long long v;
        auto r = std::from_chars(b, e, v);
        if (r.ec == std::errc()) return Json(v);
      }
    }
    return Json(std::strtod(std::string(b, e).c_str(), nullptr));
  }
  Json value(int depth) {
    if (depth > 128) fail("recursion limit exceeded");
    ws();
    if (i >= s.size()) fail("EOF while parsing a value");
    char c = s[i];
    if (c == '{') {
      i++;
      Json o = Json::object();
      ws();
      if (i < s.size() && s[i] == '}') {
        i++;
        return o;
      }
      while (true) {
        ws();
        if (i >= s.size() || s[i] != '"') fail("key must be a string");
        std::string k = str();
        ws();
        if (i >= s.size() || s[i] != ':') fail("expected `:`");
        i++;
        Json v = value(depth + 1);
        o.set(k, std::move(v));
        ws();
        if (i < s.size() && s[i] == ',') {
          i++;
          continue;
        }
        if (i < s.size() && s[i] == '}') {
          i++;
          return o;
        }
        fail("expected `,` or `}`");
      }
    }
    if (c == '[') {
      i++;
      Json a = Json::array();
      ws();
      if (i < s.size() && s[i] == ']') {
        i++;
        return a;
      }
      while (true) {
        a.push(value(depth + 1));
        ws();
        if (i < s.size() && s[i] == ',') {
          i++;
          continue;
        }
        if (i < s.size() && s[i] == ']') {
          i++;
          return a;
        }
        fail("expected `,` or `]`");
      }
    }
    if (c == '"') return Json(str());
    if (lit("true")) return Json(true);
    if (lit("false")) return Json(false);
    if (lit("null")) return Json(nullptr);
    if (c == '-' || isdigit(static_cast<unsigned char>(c))) return num();
    fail("expected value");
  }
};

}  // namespace

Json Json::parse(const std::string& text) {
  Parser p{text};
  Json v = p.value(0);
  p.ws();
  if (p.i != text.size()) p.fail("trailing characters");
  return v;
}

bool Json::is_integer() const {
  if (type_ == Type::Int || type_ == Type::UInt) return true;
  return false;
}

bool Json::as_bool() const {
  if (type_ != Type::Bool) throw ParseError("invalid type: expected a boolean");
  return b_;
}
int64_t Json::as_int() const {
  if (type_ == Type::Int) return i_;
  if (type_ == Type::UInt && u_ <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(u_);
  throw ParseError("invalid type: expected an integer");
}
uint64_t Json::as_uint() const {
  if (type_ == Type::UInt) return u_;
  if (type_ == Type::Int && i_ >= 0) return static_cast<uint64_t>(i_);
  throw ParseError("invalid type: expected an unsigned integer");
}
double Json::as_double() const {
  if (type_ == Type::Double) return d_;
  if (type_ == Type::Int) return static_cast<double>(i_);
  if (type_ == Type::UInt) return static_cast<double>(u_);
  throw ParseError("invalid type: expected a number");
}
const std::string& Json::as_string() const {
  if (type_ != Type::String) throw ParseError("invalid type: expected a string");
  return s_;
}
const Json::Array& Json::as_array() const {
  if (type_ != Type::Array) throw ParseError("invalid type: expected a sequence");
  return *a_;
}
Json::Array& Json::as_array() {
  if (type_ != Type::Array) throw ParseError("invalid type: expected a sequence");
  return *a_;
}
const Json::Object& Json::as_object() const {
  if (type_ != Type::Object) throw ParseError("invalid type: expected a map");
  return *o_;
}
Json::Object& Json::as_object() {
  if (type_ != Type::Object) throw ParseError("invalid type: expected a map");
  return *o_;
}
const Json* Json::find(const std::string& key) const {
  if (type_ != Type::Object) return nullptr;
  for (auto& kv : *o_)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
Json* Json::find(const std::string& key) {
  if (type_ != Type::Object) return nullptr;
  for (auto& kv : *o_)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
Json& Json::set(const std::string& key, Json value) {
  if (type_ != Type::Object) throw ParseError("not an object");
  for (auto& kv : *o_)
    if (kv.first == key) {
      kv.second = std::move(value);
      return kv.second;
    }
  o_->emplace_back(key, std::move(value));
  return o_->back().second;
}
void Json::erase(const std::string& key) {
  if (type_ != Type::Object) return;
  for (auto it = o_->begin(); it != o_->end(); ++it)
    if (it->first == key) {
      o_->erase(it);
      return;
    }
}
void Json::push(Json value) {
  if (type_ != Type::Array) throw ParseError("not an array");
  a_->push_back(std::move(value));
}
size_t Json::size() const {
  if (type_ == Type::Array) return a_->size();
  if (type_ == Type::Object) return o_->size();
  return 0;
}

static void quote_into(std::string& out, const std::string& s) {
  out += '"';
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end) {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c == '"' || c == '\\') break;
      p++;
    }
    out.append(run, static_cast<size_t>(p - run));
    if (p == end) break;
    unsigned char c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        static const char* hex = "0123456789abcdef";
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  }
  out += '"';
}

std::string json_quote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  quote_into(out, s);
  return out;
}

void Json::dump_to(std::string& out) const {
  switch (type_) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += b_ ? "true" : "false"; break;
    case Type::Int: out += std::to_string(i_); break;
    case Type::UInt: out += std::to_string(u_); break;
    case Type::Double: {
      if (!std::isfinite(d_)) {
        out += "null";
        break;
      }
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, d_);
      std::string t(buf, r.ptr);
      if (t.find_first_of(".eE") == std::string::npos) t += ".0";
      out += t;
      break;
    }
    case Type::String: quote_into(out, s_); break;
    case Type::Array: {
      out += '[';
      bool first = true;
      for (auto& v : *a_) {
        if (!first) out += ',';
        first = false;
        v.dump_to(out);
      }
      out += ']';
      break;
    }
    case Type::Object: {
      out += '{';
      bool first = true;
      for (auto& kv : *o_) {
        if (!first) out += ',';
        first = false;
        quote_into(out, kv.first);
        out += ':';
        kv.second.dump_to(out);
      }
      out += '}';
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

bool valid_utf8(const char* p, size_t n) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(p);
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    if (cp >= 0xD800 && cp < 0xE000) return false;
    i += len;
  }
  return true;
}

static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const unsigned char* d, size_t n) {
  std::string out(((n + 2) / 3) * 4, '=');
  char* o = &out[0];
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    *o++ = kB64[v >> 18];
    *o++ = kB64[(v >> 12) & 63];
    *o++ = kB64[(v >> 6) & 63];
    *o++ = kB64[v & 63];
  }
  if (i + 1 == n) {
    uint32_t v = d[i] << 16;
    *o++ = kB64[v >> 18];
    *o++ = kB64[(v >> 12) & 63];
  } else if (i + 2 == n) {
    uint32_t v = (d[i] << 16) | (d[i + 1] << 8);
    *o++ = kB64[v >> 18];
    *o++ = kB64[(v >> 12) & 63];
    *o++ = kB64[(v >> 6) & 63];
  }
  return out;
}

std::string base64_decode(const std::string& s) {
  static int8_t table[256];
  static bool init = false;
  if (!init) {
    for (int k = 0; k < 256; k++) table[k] = -1;
    for (int k = 0; k < 64; k++) table[static_cast<unsigned char>(kB64[k])] = static_cast<int8_t>(k);
    init = true;
  }
  if (s.size() % 4 != 0) throw ParseError("Invalid input length");
  std::string out;
  out.reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      unsigned char c = s[i + k];
      if (c == '=' && i + 4 == s.size() && k >= 2) {
        v[k] = 0;
        pad++;
        continue;
      }
      if (pad) throw ParseError("Invalid padding");
      v[k] = table[c];
      if (v[k] < 0) throw ParseError("Invalid symbol " + std::to_string(c) + ", offset " + std::to_string(i + k) + ".");
    }
    uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((w >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((w >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(w & 0xFF);
  }
  return out;
}

}  // namespace msbd
