// A recursive-descent parser to a small tree, evaluated one operation at a time over whole arrays.
#include "detect/expression.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace swath::detect {

struct Expression::Node {
  char op = 0;  // '+', '-', '*', '/', 'n' (negate), 0: leaf
  double number = 0;
  int band = -1;  // index into names(), for a band leaf
  std::shared_ptr<const Node> left, right;
};

namespace {

class Parser {
 public:
  Parser(const std::string& text, std::vector<std::string>& names) : text_(text), names_(names) {}

  std::shared_ptr<const Expression::Node> parse() {
    // Parsing, evaluating and freeing recurse along the tree: bounded, so no input can overflow the stack.
    if (text_.size() > kMaxLength) {
      throw core::UsageError("index expression of " + std::to_string(text_.size()) + " characters",
                             "longer than " + std::to_string(kMaxLength), "an index is a short formula of bands");
    }
    auto node = sum();
    skip();
    if (pos_ != text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    if (names_.empty()) {
      throw core::UsageError("index expression '" + text_ + "'", "it names no band: every pixel would score alike",
                             "use band names, e.g. (nir - red) / (nir + red)");
    }
    return node;
  }

 private:
  using NodePtr = std::shared_ptr<const Expression::Node>;
  static constexpr std::size_t kMaxLength = 1000;
  static constexpr int kMaxNesting = 50;

  // One level deeper (a parenthesis or a negation) for its scope.
  class Deeper {
   public:
    explicit Deeper(Parser& parser) : parser_(parser) {
      if (++parser_.depth_ > kMaxNesting) parser_.fail("nested deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    ~Deeper() { --parser_.depth_; }
    Deeper(const Deeper&) = delete;
    Deeper& operator=(const Deeper&) = delete;

   private:
    Parser& parser_;
  };

  [[noreturn]] void fail(const std::string& why) const {
    throw core::UsageError("index expression '" + text_ + "'", why + " at position " + std::to_string(pos_ + 1),
                           "use band names, numbers, + - * / and parentheses, e.g. (nir - red) / (nir + red)");
  }
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  static NodePtr binary(char op, NodePtr l, NodePtr r) {
    auto n = std::make_shared<Expression::Node>();
    n->op = op;
    n->left = std::move(l);
    n->right = std::move(r);
    return n;
  }
  NodePtr sum() {
    auto node = product();
    for (skip(); pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-'); skip()) {
      const char op = text_[pos_++];
      node = binary(op, node, product());
    }
    return node;
  }
  NodePtr product() {
    auto node = unary();
    for (skip(); pos_ < text_.size() && (text_[pos_] == '*' || text_[pos_] == '/'); skip()) {
      const char op = text_[pos_++];
      node = binary(op, node, unary());
    }
    return node;
  }
  NodePtr unary() {
    skip();
    if (pos_ < text_.size() && text_[pos_] == '-') {
      ++pos_;
      const Deeper deeper(*this);
      return binary('n', unary(), nullptr);
    }
    return primary();
  }
  NodePtr primary() {
    skip();
    if (pos_ >= text_.size()) fail("unexpected end");
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      const Deeper deeper(*this);
      auto node = sum();
      skip();
      if (pos_ >= text_.size() || text_[pos_] != ')') fail("missing ')'");
      ++pos_;
      return node;
    }
    auto leaf = std::make_shared<Expression::Node>();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      char* end = nullptr;
      leaf->number = std::strtod(text_.c_str() + pos_, &end);  // std::stod threw on "." and 1e999
      if (end == text_.c_str() + pos_ || !std::isfinite(leaf->number)) fail("not a finite number");
      pos_ = static_cast<std::size_t>(end - text_.c_str());
      return leaf;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
        ++pos_;
      const std::string name = core::to_lower(text_.substr(start, pos_ - start));
      std::size_t i = 0;
      while (i < names_.size() && names_[i] != name) ++i;
      if (i == names_.size()) names_.push_back(name);
      leaf->band = static_cast<int>(i);
      return leaf;
    }
    fail("unexpected '" + std::string(1, c) + "'");
  }

  const std::string& text_;
  std::vector<std::string>& names_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

std::vector<float> eval(const Expression::Node& node, std::size_t count,
                        const std::function<const float*(std::size_t)>& band) {
  if (node.op == 0) {
    if (node.band < 0) return std::vector<float>(count, static_cast<float>(node.number));
    const float* data = band(static_cast<std::size_t>(node.band));
    return std::vector<float>(data, data + count);
  }
  auto left = eval(*node.left, count, band);
  if (node.op == 'n') {
    for (auto& v : left) v = -v;
    return left;
  }
  const auto right = eval(*node.right, count, band);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t i = 0; i < count; ++i) {
    switch (node.op) {
      case '+':
        left[i] += right[i];
        break;
      case '-':
        left[i] -= right[i];
        break;
      case '*':
        left[i] *= right[i];
        break;
      default:
        left[i] = right[i] == 0 ? nan : left[i] / right[i];
        break;
    }
  }
  return left;
}

}  // namespace

Expression Expression::parse(const std::string& text) {
  Expression e;
  e.root_ = Parser(text, e.names_).parse();
  return e;
}

std::vector<float> Expression::evaluate(std::size_t count, const std::function<const float*(std::size_t)>& band) const {
  return eval(*root_, count, band);
}

std::string index_formula(const std::string& index) {
  if (core::to_lower(index) == "ndvi") return "(nir - red) / (nir + red)";  // any case, as band names are
  if (core::to_lower(index) == "ndwi") return "(green - nir) / (green + nir)";
  return index;
}

}  // namespace swath::detect
