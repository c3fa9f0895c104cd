// A minimal protobuf walker over ModelProto → GraphProto → ValueInfoProto → TypeProto → TensorShapeProto.
#include "detect/onnx_shape.hpp"

#include <algorithm>

namespace swath::detect {

namespace {

// One protobuf message: fields are (number, wire type, value or bytes).
class Message {
 public:
  explicit Message(std::string_view bytes) : bytes_(bytes) {}

  struct Field {
    std::uint32_t number = 0;
    int wire = 0;
    std::uint64_t value = 0;
    std::string_view bytes;
  };

  // Next field, or nothing at the end or on malformed input.
  std::optional<Field> next() {
    if (pos_ >= bytes_.size()) return std::nullopt;
    auto key = varint();
    if (!key) return std::nullopt;
    Field f;
    f.number = static_cast<std::uint32_t>(*key >> 3);
    f.wire = static_cast<int>(*key & 7);
    switch (f.wire) {
      case 0: {
        auto v = varint();
        if (!v) return std::nullopt;
        f.value = *v;
        return f;
      }
      case 1:
        return skip(8, f);
      case 5:
        return skip(4, f);
      case 2: {
        auto length = varint();
        if (!length || *length > bytes_.size() - pos_) return std::nullopt;
        f.bytes = bytes_.substr(pos_, static_cast<std::size_t>(*length));
        pos_ += static_cast<std::size_t>(*length);
        return f;
      }
      default:
        return std::nullopt;
    }
  }

 private:
  std::optional<std::uint64_t> varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos_ < bytes_.size(); shift += 7) {
      const auto byte = static_cast<std::uint8_t>(bytes_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    return std::nullopt;
  }
  std::optional<Field> skip(std::size_t n, Field f) {
    if (n > bytes_.size() - pos_) return std::nullopt;
    pos_ += n;
    return f;
  }
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

template <class Fn>
bool each_field(std::string_view bytes, Fn fn) {
  Message m(bytes);
  while (auto f = m.next()) fn(*f);
  return true;
}

void read_shape(std::string_view shape, OnnxInput& input) {
  each_field(shape, [&](const Message::Field& dim) {
    if (dim.number != 1 || dim.wire != 2) return;
    std::int64_t value = -1;
    std::string name;
    each_field(dim.bytes, [&](const Message::Field& f) {
      if (f.number == 1 && f.wire == 0) value = static_cast<std::int64_t>(f.value);
      if (f.number == 2 && f.wire == 2) name = std::string(f.bytes);
    });
    input.dims.push_back(name.empty() ? value : -1);
    input.dim_names.push_back(name);
  });
}

std::optional<OnnxInput> read_value_info(std::string_view info) {
  OnnxInput input;
  bool has_type = false;
  each_field(info, [&](const Message::Field& f) {
    if (f.number == 1 && f.wire == 2) input.name = std::string(f.bytes);
    if (f.number != 2 || f.wire != 2) return;  // TypeProto
    each_field(f.bytes, [&](const Message::Field& t) {
      if (t.number != 1 || t.wire != 2) return;  // tensor_type
      has_type = true;
      each_field(t.bytes, [&](const Message::Field& s) {
        if (s.number == 2 && s.wire == 2) read_shape(s.bytes, input);
      });
    });
  });
  if (!has_type) return std::nullopt;
  return input;
}

}  // namespace

bool OnnxInput::dynamic() const {
  return dims.empty() || std::any_of(dims.begin(), dims.end(), [](std::int64_t d) { return d <= 0; });
}

std::optional<OnnxInput> read_onnx_input(std::string_view bytes) {
  std::optional<OnnxInput> found;
  std::int64_t opset = 0;
  std::vector<std::string> initializers;
  Message model(bytes);
  bool any = false;
  while (auto f = model.next()) {
    any = true;
    if (f->number == 8 && f->wire == 2) {  // opset_import
      each_field(f->bytes, [&](const Message::Field& o) {
        if (o.number == 2 && o.wire == 0) opset = std::max(opset, static_cast<std::int64_t>(o.value));
      });
    }
    if (f->number != 7 || f->wire != 2) continue;  // graph
    std::vector<OnnxInput> inputs;
    each_field(f->bytes, [&](const Message::Field& g) {
      if (g.number == 11 && g.wire == 2) {
        if (auto input = read_value_info(g.bytes)) inputs.push_back(std::move(*input));
      }
      if (g.number == 5 && g.wire == 2) {  // initializer: older exporters list weights as inputs too
        each_field(g.bytes, [&](const Message::Field& t) {
          if (t.number == 8 && t.wire == 2) initializers.emplace_back(t.bytes);
        });
      }
    });
    for (auto& input : inputs) {
      if (std::find(initializers.begin(), initializers.end(), input.name) == initializers.end()) {
        found = std::move(input);
        break;
      }
    }
  }
  if (!any || !found) return std::nullopt;
  found->opset = opset;
  return found;
}

}  // namespace swath::detect
