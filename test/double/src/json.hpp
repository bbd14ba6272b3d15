// A small JSON value type for the runtime double: ordered objects (output member
// order is part of the contract), strict parsing, compact serde-like output.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace msbd {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Json {
 public:
  enum class Type { Null, Bool, Int, UInt, Double, String, Array, Object };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() : type_(Type::Null) {}
  Json(std::nullptr_t) : type_(Type::Null) {}
  Json(bool b) : type_(Type::Bool), b_(b) {}
  Json(int v) : type_(Type::Int), i_(v) {}
  Json(long v) : type_(Type::Int), i_(v) {}
  Json(long long v) : type_(Type::Int), i_(v) {}
  Json(unsigned v) : type_(Type::UInt), u_(v) {}
  Json(unsigned long v) : type_(Type::UInt), u_(v) {}
  Json(unsigned long long v) : type_(Type::UInt), u_(v) {}
  Json(double v) : type_(Type::Double), d_(v) {}
  Json(const char* s) : type_(Type::String), s_(s) {}
  Json(std::string s) : type_(Type::String), s_(std::move(s)) {}
  Json(Array a) : type_(Type::Array), a_(std::make_shared<Array>(std::move(a))) {}
  Json(Object o) : type_(Type::Object), o_(std::make_shared<Object>(std::move(o))) {}

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }
  static Json parse(const std::string& text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Int || type_ == Type::UInt || type_ == Type::Double; }
  bool is_integer() const;
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  bool as_bool() const;
  int64_t as_int() const;
  uint64_t as_uint() const;
  double as_double() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object access: find returns nullptr when absent.
  const Json* find(const std::string& key) const;
  Json* find(const std::string& key);
  bool has(const std::string& key) const { return find(key) != nullptr; }
  Json& set(const std::string& key, Json value);  // insert or replace, keeps order
  void erase(const std::string& key);
  void push(Json value);
  size_t size() const;

  std::string dump() const;

 private:
  void dump_to(std::string& out) const;
  Type type_;
  bool b_ = false;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double d_ = 0;
  std::string s_;
  std::shared_ptr<Array> a_;
  std::shared_ptr<Object> o_;
};

std::string json_quote(const std::string& s);
bool valid_utf8(const char* s, size_t n);

std::string base64_encode(const unsigned char* data, size_t n);
inline std::string base64_encode(const std::string& s) {
  return base64_encode(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}
// Strict standard padded base64; throws ParseError on malformed input.
std::string base64_decode(const std::string& s);

}  // namespace msbd
