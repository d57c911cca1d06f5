#include "audit/journal_sink.hpp"

#include <systemd/sd-journal.h>

#include <system_error>
#include <vector>

#include "audit/journal_fields.hpp"

namespace btfence::audit {

JournalSink::JournalSink()
    : JournalSink([](std::span<const iovec> fields) {
          return sd_journal_sendv(fields.data(), static_cast<int>(fields.size()));
      }) {}

JournalSink::JournalSink(Sender sender) : sender_(std::move(sender)) {}

void JournalSink::write(const Event& event) {
    std::vector<std::string> fields = to_journal_fields(event);
    std::vector<iovec> entry;
    entry.reserve(fields.size());
    for (std::string& field : fields) {
        entry.push_back(iovec{field.data(), field.size()});
    }
    if (const int result = sender_(entry); result < 0) {
        throw std::system_error(-result, std::generic_category(), "sd_journal_sendv");
    }
}

}  // namespace btfence::audit
