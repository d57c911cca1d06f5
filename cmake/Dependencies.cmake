# Every dependency comes from a Debian 12 package; nothing is downloaded.
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(LIBAUDIT REQUIRED IMPORTED_TARGET audit)  # USER_DEVICE records (libaudit-dev)
find_package(OpenSSL REQUIRED)          # SHA-256 of the policy file (libcrypto, already pulled by libfido2)
find_package(nlohmann_json 3.11 REQUIRED)  # DEVICE.json input and audit JSON lines
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(sdbus-c++ REQUIRED)
# Generates the C++ glue of btfenced's own D-Bus interface from its XML contract
# (agent/daemon/control/org.btfence1.Manager1.xml); Debian package libsdbus-c++-bin.
find_program(SDBUSCPP_XML2CPP sdbus-c++-xml2cpp REQUIRED)
if(BTFENCE_TESTS)
  find_package(GTest REQUIRED)
endif()
if(BTFENCE_BENCH)
  find_package(benchmark REQUIRED)
endif()
find_package(Threads REQUIRED)
