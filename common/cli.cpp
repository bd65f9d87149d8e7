#include "cli.hpp"

#include <charconv>
#include <iostream>

namespace zshare {

int cli_exit(const CLI::App& app, const CLI::ParseError& e, const std::string& synopsis) {
    if (dynamic_cast<const CLI::CallForHelp*>(&e)) {
        std::cout << synopsis << std::flush;
        return 0;
    }
    if (e.get_exit_code() == 0)
        return app.exit(e); // --version
    std::string what = e.what();
    // CLI11 names a missing option "--name is required"; an unknown one "The following
    // argument was not expected: x". Both read well enough once prefixed.
    std::cerr << "error: " << what << " (see --help)" << std::endl;
    return 2;
}

void prepare_app(CLI::App& app, const std::string& version) {
    app.set_version_flag("--version", version);
    app.set_help_flag("-h,--help");
}

namespace {
std::optional<std::uint64_t> whole_number(const std::string& text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}
} // namespace

CLI::Option* add_number(CLI::App& app, const std::string& name, std::uint64_t& value, std::uint64_t min,
                        std::uint64_t max) {
    const std::string rule = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    return app
        .add_option_function<std::string>(
            name,
            [&value](const std::string& text) { value = *whole_number(text); })
        ->check(CLI::Validator(
            [rule, min, max](std::string& text) -> std::string {
                const auto number = whole_number(text);
                if (number && *number >= min && *number <= max)
                    return {};
                return "must be " + rule + ", not '" + text + "'";
            },
            ""));
}

CLI::Option* add_milliseconds(CLI::App& app, const std::string& name, std::chrono::milliseconds& value,
                              std::uint64_t min, std::uint64_t max) {
    return app
        .add_option_function<std::string>(
            name,
            [&value](const std::string& text) {
                value = std::chrono::milliseconds(static_cast<long long>(*whole_number(text)));
            })
        ->check(CLI::Validator(
            [min, max](std::string& text) -> std::string {
                const auto number = whole_number(text);
                if (number && *number >= min && *number <= max)
                    return {};
                return "must be a number of milliseconds from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", not '" + text + "'";
            },
            ""));
}

std::optional<std::uint64_t> parse_rate(const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    const auto number = whole_number(text.substr(0, digits));
    if (!number)
        return std::nullopt;
    std::string unit = text.substr(digits);
    if (unit.size() > 2 && unit.compare(unit.size() - 2, 2, "/s") == 0)
        unit.resize(unit.size() - 2);
    unsigned shift = 0;
    if (unit.empty() || unit == "KiB" || unit == "K")
        shift = 10;
    else if (unit == "B")
        shift = 0;
    else if (unit == "MiB" || unit == "M")
        shift = 20;
    else if (unit == "GiB" || unit == "G")
        shift = 30;
    else
        return std::nullopt;
    if (*number > (std::uint64_t(1) << (63 - shift)))
        return std::nullopt;
    return *number << shift;
}

CLI::Option* add_size(CLI::App& app, const std::string& name, std::uint64_t& value, std::uint64_t min) {
    // A size reads like a rate without "/s", but a bare number counts bytes.
    const auto size_of = [](const std::string& text) -> std::optional<std::uint64_t> {
        if (!text.empty() && text.back() >= '0' && text.back() <= '9')
            return whole_number(text);
        if (text.size() > 2 && text.compare(text.size() - 2, 2, "/s") == 0)
            return std::nullopt;
        return parse_rate(text);
    };
    return app.add_option_function<std::string>(name, [&value, size_of](const std::string& text) { value = *size_of(text); })
        ->check(CLI::Validator(
            [min, size_of](std::string& text) -> std::string {
                const auto size = size_of(text);
                if (size && *size >= min)
                    return {};
                return "must be a size of at least " + std::to_string(min >> 20) + " MiB such as 64MiB, not '" + text +
                       "'";
            },
            ""));
}

CLI::Option* add_rate(CLI::App& app, const std::string& name, std::uint64_t& value, std::uint64_t min) {
    return app
        .add_option_function<std::string>(name,
                                          [&value](const std::string& text) { value = *parse_rate(text); })
        ->check(CLI::Validator(
            [min](std::string& text) -> std::string {
                const auto rate = parse_rate(text);
                if (rate && (*rate == 0 || *rate >= min))
                    return {};
                return "must be 0 (no limit) or a rate of at least " + std::to_string(min >> 20) +
                       " MiB/s such as 20MiB, not '" + text + "'";
            },
            ""));
}

} // namespace zshare
