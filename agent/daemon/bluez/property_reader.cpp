#include "bluez/property_reader.hpp"

#include <cstring>
#include <utility>

#include "bluez/property_decoder.hpp"

namespace btfence::bluez {
namespace {

// sd-bus returns a negative errno on failure; the signature was checked before reading, so
// this is a message sd-bus itself found inconsistent, or no memory.
int check(int result, std::string_view what) {
    if (result < 0) {
        throw MalformedBody("cannot read " + std::string(what) + ": " + std::strerror(-result));
    }
    return result;
}

void require_signature(sd_bus_message* message, std::string_view expected) {
    const char* signature = sd_bus_message_get_signature(message, 1);
    const std::string_view actual = signature == nullptr ? "" : signature;
    // Only the leading arguments are read: a trailing one BlueZ may add later is ignored.
    if (!actual.starts_with(expected)) {
        throw MalformedBody("body is '" + std::string(actual) + "', expected '" +
                            std::string(expected) + "'");
    }
}

void enter(sd_bus_message* message, char type, const char* contents, std::string_view what) {
    if (check(sd_bus_message_enter_container(message, type, contents), what) == 0) {
        throw MalformedBody("cannot read " + std::string(what) + ": missing");
    }
}

// Enters the next dictionary entry of the array the message is in; false at its end.
bool next_entry(sd_bus_message* message, const char* contents, std::string_view what) {
    return check(sd_bus_message_enter_container(message, SD_BUS_TYPE_DICT_ENTRY, contents), what) >
           0;
}

void exit_container(sd_bus_message* message, std::string_view what) {
    check(sd_bus_message_exit_container(message), what);
}

const char* read_text(sd_bus_message* message, char type, std::string_view what) {
    const char* text = nullptr;
    if (check(sd_bus_message_read_basic(message, type, &text), what) == 0 || text == nullptr) {
        throw MalformedBody("cannot read " + std::string(what) + ": missing");
    }
    return text;
}

void skip_variant(sd_bus_message* message, std::string_view what) {
    check(sd_bus_message_skip(message, "v"), what);
}

// Skips the value of a property btfenced does not read. sd_bus_message_skip is generic and
// costs about 3,000 instructions for a variant; RSSI and TxPower, most of a crowded room's
// signals, are read as the int16 BlueZ documents instead (a third of that). Entering a
// variant of another type fails without moving the read position, and it is skipped.
void skip_unread(sd_bus_message* message, std::string_view name) {
    if (name == "RSSI" || name == "TxPower") {
        const int entered = sd_bus_message_enter_container(message, SD_BUS_TYPE_VARIANT, "n");
        if (entered > 0) {
            std::int16_t ignored = 0;
            check(sd_bus_message_read_basic(message, SD_BUS_TYPE_INT16, &ignored), name);
            exit_container(message, name);
            return;
        }
    }
    skip_variant(message, name);
}

// The contents signature of the variant at the read position.
std::string_view variant_contents(sd_bus_message* message, std::string_view what) {
    char type = 0;
    const char* contents = nullptr;
    if (check(sd_bus_message_peek_type(message, &type, &contents), what) == 0 ||
        type != SD_BUS_TYPE_VARIANT || contents == nullptr) {
        throw MalformedBody("cannot read " + std::string(what) + ": not a variant");
    }
    return contents;
}

std::vector<std::string> read_string_array(sd_bus_message* message, std::string_view what) {
    enter(message, SD_BUS_TYPE_ARRAY, "s", what);
    std::vector<std::string> list;
    const char* text = nullptr;
    while (check(sd_bus_message_read_basic(message, SD_BUS_TYPE_STRING, &text), what) > 0) {
        list.emplace_back(text);
    }
    exit_container(message, what);
    return list;
}

// a{sv} whose values should be ay (ServiceData); any other value type is kept by signature.
ServiceDataValue read_service_data(sd_bus_message* message, std::string_view what) {
    enter(message, SD_BUS_TYPE_ARRAY, "{sv}", what);
    ServiceDataValue entries;
    while (next_entry(message, "sv", what)) {
        std::string key = read_text(message, SD_BUS_TYPE_STRING, what);
        ServiceDataEntry entry;
        // Entered as ay directly (see enter_documented()).
        if (sd_bus_message_enter_container(message, SD_BUS_TYPE_VARIANT, "ay") > 0) {
            const void* bytes = nullptr;
            std::size_t size = 0;
            check(sd_bus_message_read_array(message, SD_BUS_TYPE_BYTE, &bytes, &size), what);
            const auto* begin = static_cast<const std::uint8_t*>(bytes);
            entry = std::vector<std::uint8_t>(begin, begin + size);  // NOLINT(*-pointer-arithmetic)
            exit_container(message, what);
        } else {
            entry = UnexpectedType{std::string(variant_contents(message, what))};
            skip_variant(message, what);
        }
        entries.try_emplace(std::move(key), std::move(entry));  // the first of a repeated key
        exit_container(message, what);
    }
    exit_container(message, what);
    return entries;
}

bool is_decoded_type(std::string_view contents) {
    return contents == "b" || contents == "s" || contents == "o" || contents == "as" ||
           contents == "a{sv}";
}

// Inside a variant of a decoded type: its value.
PropertyValue read_contents(sd_bus_message* message, std::string_view contents,
                            std::string_view what) {
    if (contents == "b") {
        int flag = 0;
        check(sd_bus_message_read_basic(message, SD_BUS_TYPE_BOOLEAN, &flag), what);
        return flag != 0;
    }
    if (contents == "s") {
        return std::string(read_text(message, SD_BUS_TYPE_STRING, what));
    }
    if (contents == "o") {
        return ObjectPathValue{read_text(message, SD_BUS_TYPE_OBJECT_PATH, what)};
    }
    if (contents == "as") {
        return read_string_array(message, what);
    }
    return read_service_data(message, what);  // a{sv}
}

// The variant at the read position, by the type it carries. It is first entered as the type
// BlueZ documents for the property: one call, where finding out the type first (a peek) costs
// about 1,000 instructions more; a variant of another type fails to enter without moving the
// read position, and is then read by what it holds.
PropertyValue read_value(sd_bus_message* message, std::string_view what, const char* documented) {
    std::string_view contents = documented;
    if (sd_bus_message_enter_container(message, SD_BUS_TYPE_VARIANT, documented) <= 0) {
        contents = variant_contents(message, what);
        if (!is_decoded_type(contents)) {
            UnexpectedType unexpected{std::string(contents)};
            skip_variant(message, what);
            return unexpected;
        }
        enter(message, SD_BUS_TYPE_VARIANT, std::string(contents).c_str(), what);
    }
    PropertyValue value = read_contents(message, contents, what);
    exit_container(message, what);
    return value;
}

// a{sv} at the read position.
void read_property_dict(sd_bus_message* message, PropertyMap& properties) {
    enter(message, SD_BUS_TYPE_ARRAY, "{sv}", "properties");
    while (next_entry(message, "sv", "properties")) {
        const char* name = read_text(message, SD_BUS_TYPE_STRING, "property name");
        const char* documented = documented_type(name);
        if (documented != nullptr && !properties.contains(name)) {
            properties.emplace(name, read_value(message, name, documented));
        } else {
            skip_unread(message, name);  // not read by btfenced, or repeated (first one wins)
        }
        exit_container(message, "properties");
    }
    exit_container(message, "properties");
}

// a{sa{sv}} at the read position.
void read_interface_dict(sd_bus_message* message, InterfaceMap& interfaces) {
    enter(message, SD_BUS_TYPE_ARRAY, "{sa{sv}}", "interfaces");
    while (next_entry(message, "sa{sv}", "interfaces")) {
        std::string interface = read_text(message, SD_BUS_TYPE_STRING, "interface name");
        PropertyMap properties;
        read_property_dict(message, properties);
        interfaces.try_emplace(std::move(interface), std::move(properties));
        exit_container(message, "interfaces");
    }
    exit_container(message, "interfaces");
}

}  // namespace

std::string_view read_properties_changed(sd_bus_message* message, PropertyMap& changed) {
    require_signature(message, "sa{sv}");
    const std::string_view interface = read_text(message, SD_BUS_TYPE_STRING, "interface name");
    read_property_dict(message, changed);
    return interface;
}

std::string_view read_interfaces_added(sd_bus_message* message, InterfaceMap& interfaces) {
    require_signature(message, "oa{sa{sv}}");
    const std::string_view path = read_text(message, SD_BUS_TYPE_OBJECT_PATH, "object path");
    read_interface_dict(message, interfaces);
    return path;
}

ManagedObjects read_managed_objects(sd_bus_message* message) {
    require_signature(message, "a{oa{sa{sv}}}");
    ManagedObjects objects;
    enter(message, SD_BUS_TYPE_ARRAY, "{oa{sa{sv}}}", "objects");
    while (next_entry(message, "oa{sa{sv}}", "objects")) {
        std::string path = read_text(message, SD_BUS_TYPE_OBJECT_PATH, "object path");
        InterfaceMap interfaces;
        read_interface_dict(message, interfaces);
        objects.try_emplace(std::move(path), std::move(interfaces));
        exit_container(message, "objects");
    }
    exit_container(message, "objects");
    return objects;
}

PropertyMap read_all_properties(sd_bus_message* message) {
    require_signature(message, "a{sv}");
    PropertyMap properties;
    read_property_dict(message, properties);
    return properties;
}

}  // namespace btfence::bluez
