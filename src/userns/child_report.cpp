#include "sandbox/userns/child_report.hpp"

#include <cstdint>

namespace sbx::userns {
namespace {

void put_u32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

std::string record(char type, std::string_view payload) {
  std::string out(1, type);
  put_bytes(out, payload);
  return out;
}

// Reads from the front of a byte stream; every read checks the length left.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool empty() const { return bytes_.empty(); }
  bool u8(char& value) {
    if (bytes_.empty()) return false;
    value = bytes_.front();
    bytes_.remove_prefix(1);
    return true;
  }
  bool u32(uint32_t& value) {
    if (bytes_.size() < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) value |= uint32_t{static_cast<unsigned char>(bytes_[i])} << (8 * i);
    bytes_.remove_prefix(4);
    return true;
  }
  bool bytes(std::string_view& value) {
    uint32_t size = 0;
    if (!u32(size) || bytes_.size() < size) return false;
    value = bytes_.substr(0, size);
    bytes_.remove_prefix(size);
    return true;
  }

 private:
  std::string_view bytes_;
};

Result<Error> decode_error(std::string_view payload) {
  Reader reader(payload);
  uint32_t errno_value = 0;
  std::string_view message, hint;
  if (!reader.u32(errno_value) || !reader.bytes(message) || !reader.bytes(hint) || !reader.empty())
    return fail("child report: malformed error record");
  Error error(std::string(message), static_cast<int>(errno_value));
  if (hint.empty()) return error;
  return Error(std::move(error).with_hint(std::string(hint)));
}

}  // namespace

std::string encode_warning(std::string_view text) { return record('W', text); }

std::string encode_error(const Error& error) {
  std::string payload;
  put_u32(payload, static_cast<uint32_t>(error.errno_value()));
  put_bytes(payload, error.message());
  put_bytes(payload, error.hint());
  return record('E', payload);
}

std::string encode_done() { return record('K', {}); }
std::string encode_exec() { return record('X', {}); }

Result<ChildReport> decode_child_report(std::string_view bytes) {
  ChildReport report;
  Reader reader(bytes);
  while (!reader.empty()) {
    char type = 0;
    std::string_view payload;
    if (!reader.u8(type) || !reader.bytes(payload)) return fail("child report: truncated record");
    switch (type) {
      case 'W':
        report.warnings.emplace_back(payload);
        break;
      case 'E':
        report.error = SBX_TRY(decode_error(payload));
        break;
      case 'K':
        report.done = true;
        break;
      case 'X':
        report.exec_sent = true;
        break;
      default:
        return fail("child report: unknown record type " +
                    std::to_string(static_cast<unsigned char>(type)));
    }
  }
  return report;
}

}  // namespace sbx::userns
