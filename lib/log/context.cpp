// Thread-local storage of the current log context.
#include "log/context.hpp"

namespace swath::log {

namespace {
thread_local Context current_context;
const std::vector<Field> no_fields;
}  // namespace

Context Context::with(std::initializer_list<Field> fields) const { return with(std::vector<Field>(fields)); }

Context Context::with(const std::vector<Field>& fields) const {
  auto merged = fields_ ? std::make_shared<std::vector<Field>>(*fields_) : std::make_shared<std::vector<Field>>();
  for (const auto& field : fields) {
    bool replaced = false;
    for (auto& existing : *merged) {
      if (existing.key == field.key) {
        existing = field;
        replaced = true;
        break;
      }
    }
    if (!replaced) merged->push_back(field);
  }
  Context result;
  result.fields_ = std::move(merged);
  return result;
}

const std::vector<Field>& Context::fields() const { return fields_ ? *fields_ : no_fields; }

std::string Context::get(std::string_view key) const {
  for (const auto& field : fields()) {
    if (field.key == key) return field.value;
  }
  return {};
}

Context current() { return current_context; }

ContextGuard::ContextGuard(Context context) : previous_(std::move(current_context)) {
  current_context = std::move(context);
}

ContextGuard::~ContextGuard() { current_context = std::move(previous_); }

Scope::Scope(std::initializer_list<Field> fields) : guard_(current().with(fields)) {}
Scope::Scope(const std::vector<Field>& fields) : guard_(current().with(fields)) {}

}  // namespace swath::log
