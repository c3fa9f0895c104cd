// Band math: an expression over named bands (`(nir - red) / (nir + red)`) evaluated on whole arrays.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace swath::detect {

class Expression {
 public:
  // Parses + - * / parentheses, numbers and band names; throws UsageError pointing at the position.
  static Expression parse(const std::string& text);

  // Band names used, in first-use order.
  const std::vector<std::string>& names() const { return names_; }
  // Evaluates over `count` pixels; `band(i)` returns the pixels of names()[i]. Division by zero gives NaN.
  std::vector<float> evaluate(std::size_t count, const std::function<const float*(std::size_t)>& band) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
  std::vector<std::string> names_;
};

// "ndvi" and "ndwi" expand to their formulas; anything else is taken as an expression.
std::string index_formula(const std::string& index);

}  // namespace swath::detect
