#pragma once
// Forced ahead of toml++ into fuzz_policy_parser, which compiles toml++ from its headers, so
// that toml++'s own assertions are live whenever NDEBUG is not defined. The library btfence
// ships against (Debian 12's libtomlplusplus3, 3.3.0, built by GCC) has none of them: there
// TOML_ASSERT is off and TOML_ASSUME expands to nothing. This header makes the fuzz build
// behave the same for one kind of assertion and keeps every other one fatal.
//
// Tolerated: TOML_ASSERT_ASSUME checks in parser.inl about the character under the cursor
// (`*cp`), the preconditions each parse_* function states on entry. toml++ 3.3.0 calls some of
// them with characters that malformed input puts there, and the function's own checks then
// report a normal syntax error, as the Debian library does. Fuzzing found:
//   "[`", "[[[1]]]", "[[="   parse_key() from parse_table_header()  (marzer/tomlplusplus#301)
//   "x=2026-12-08T:"         parse_time() from parse_date_time()
//   "n=2026-12-08 2"         parse_value()'s scan of a value's remaining characters
//   "x = [}]"                parse_value() from an array, at a closing brace
// tests/unit/policy/parser_malformed_toml_test.cpp pins down that the linked library rejects
// each of them cleanly. AddressSanitizer and UBSan stay on, so if a tolerated precondition ever
// led to a bad access, the run would still stop there.
//
// Fatal, as before: every other toml++ assertion (buffer counts, history offsets, node
// invariants, a null cursor), which guard toml++'s internal state rather than its input.
// Each tolerated site is noted once on stderr so fuzz logs show what was met.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string_view>

namespace btfence::fuzz {

inline bool is_input_precondition(std::string_view expression, std::string_view file) {
    return file.ends_with("toml++/impl/parser.inl") &&
           expression.find("*cp") != std::string_view::npos;
}

inline void toml_assertion_failed(const char* expression, const char* file, int line) {
    if (is_input_precondition(expression, file)) {
        static std::mutex mutex;
        static std::set<int> noted_lines;
        const std::lock_guard lock(mutex);
        if (noted_lines.insert(line).second) {
            (void)std::fprintf(stderr,
                               "%s:%d: toml++ input precondition not met (tolerated, as in the "
                               "Debian library): %s\n",
                               file, line, expression);
        }
        return;
    }
    (void)std::fprintf(stderr, "%s:%d: toml++ assertion failed: %s\n", file, line, expression);
    std::abort();
}

}  // namespace btfence::fuzz

// Same shape as assert(): the handler is only called when the expression is false.
#define TOML_ASSERT(expr)          \
    ((expr) ? static_cast<void>(0) \
            : ::btfence::fuzz::toml_assertion_failed(#expr, __FILE__, __LINE__))
