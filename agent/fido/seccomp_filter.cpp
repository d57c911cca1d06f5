#include "seccomp_filter.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace btfence::fido {
namespace {

#if defined(__x86_64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t kNativeArch = 0;  // unknown: probe_seccomp_program says so
#endif

// Denied with EPERM, whatever the arguments. The legacy path calls exist on x86_64 only.
constexpr std::array kDenied = {
    // Another process: signals, tracing, its memory, its descriptors.
    long{__NR_kill},
    long{__NR_tkill},
    long{__NR_rt_sigqueueinfo},
    long{__NR_rt_tgsigqueueinfo},
    long{__NR_pidfd_send_signal},
    long{__NR_pidfd_getfd},
    long{__NR_ptrace},
    long{__NR_process_vm_readv},
    long{__NR_process_vm_writev},
    long{__NR_process_madvise},
    // New programs, processes (fork; threads go through clone, checked below), namespaces.
    long{__NR_execve},
    long{__NR_execveat},
    long{__NR_unshare},
    long{__NR_setns},
    // Mounts and roots.
    long{__NR_mount},
    long{__NR_umount2},
    long{__NR_pivot_root},
    long{__NR_chroot},
    long{__NR_move_mount},
    long{__NR_fsopen},
    long{__NR_fsmount},
    long{__NR_fsconfig},
    long{__NR_open_tree},
    long{__NR_mount_setattr},
    // Changing the file system by path or descriptor (opening for writing is checked below).
    long{__NR_truncate},
    long{__NR_renameat},
    long{__NR_renameat2},
    long{__NR_unlinkat},
    long{__NR_linkat},
    long{__NR_symlinkat},
    long{__NR_mkdirat},
    long{__NR_mknodat},
    long{__NR_fchmod},
    long{__NR_fchmodat},
    long{__NR_fchown},
    long{__NR_fchownat},
    long{__NR_utimensat},
    long{__NR_setxattr},
    long{__NR_lsetxattr},
    long{__NR_fsetxattr},
    long{__NR_removexattr},
    long{__NR_lremovexattr},
    long{__NR_fremovexattr},
    long{__NR_name_to_handle_at},
    long{__NR_open_by_handle_at},
    // Kernel surfaces the probe never needs; io_uring would run operations this filter
    // never sees.
    long{__NR_io_uring_setup},
    long{__NR_io_uring_enter},
    long{__NR_io_uring_register},
    long{__NR_bpf},
    long{__NR_perf_event_open},
    long{__NR_userfaultfd},
    long{__NR_keyctl},
    long{__NR_add_key},
    long{__NR_request_key},
    long{__NR_init_module},
    long{__NR_finit_module},
    long{__NR_delete_module},
    long{__NR_kexec_load},
    long{__NR_kexec_file_load},
    long{__NR_reboot},
    long{__NR_swapon},
    long{__NR_swapoff},
    long{__NR_acct},
    long{__NR_quotactl},
    long{__NR_fanotify_init},
#if defined(__x86_64__)
    long{__NR_fork},
    long{__NR_vfork},
    long{__NR_creat},
    long{__NR_rename},
    long{__NR_unlink},
    long{__NR_link},
    long{__NR_symlink},
    long{__NR_mkdir},
    long{__NR_rmdir},
    long{__NR_mknod},
    long{__NR_chmod},
    long{__NR_chown},
    long{__NR_lchown},
    long{__NR_utime},
    long{__NR_utimes},
    long{__NR_futimesat},
#endif
};

// Answered with ENOSYS, so that glibc falls back to a call whose arguments the filter can
// read (clone3 and openat2 pass their flags in memory).
constexpr std::array kNotImplemented = {long{__NR_clone3}, long{__NR_openat2}};

constexpr std::uint32_t kOpenForWriting = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
constexpr std::uint32_t kNewNamespaces = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                                         CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                         CLONE_NEWNET | CLONE_NEWTIME;

constexpr std::uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr std::uint32_t errno_return(int error) {
    return SECCOMP_RET_ERRNO | (static_cast<std::uint32_t>(error) & SECCOMP_RET_DATA);
}

// The low 32 bits of argument `index` (flags, pids and address families all fit in them).
constexpr std::uint32_t argument_low(std::size_t index) {
    constexpr std::size_t kLowHalf = (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) ? 0 : 4;
    return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + index * sizeof(std::uint64_t) +
                                      kLowHalf);
}

class Assembler {
  public:
    void load(std::uint32_t offset) { emit(BPF_LD | BPF_W | BPF_ABS, offset); }
    void ret(std::uint32_t value) { emit(BPF_RET | BPF_K, value); }
    /// if (A == k) skip `when_true` instructions else skip `when_false`.
    void jump_eq(std::uint32_t k, std::uint8_t when_true, std::uint8_t when_false) {
        jump(BPF_JMP | BPF_JEQ | BPF_K, k, when_true, when_false);
    }
    /// if (A & k) skip `when_true` instructions else skip `when_false`.
    void jump_set(std::uint32_t k, std::uint8_t when_true, std::uint8_t when_false) {
        jump(BPF_JMP | BPF_JSET | BPF_K, k, when_true, when_false);
    }
    /// if (A >= k) skip `when_true` instructions else skip `when_false`.
    void jump_ge(std::uint32_t k, std::uint8_t when_true, std::uint8_t when_false) {
        jump(BPF_JMP | BPF_JGE | BPF_K, k, when_true, when_false);
    }
    /// `nr` answers `value` whatever its arguments.
    void fixed(long nr, std::uint32_t value) {
        jump_eq(static_cast<std::uint32_t>(nr), 0, 1);
        ret(value);
    }
    /// `nr` is denied when argument `index` has any bit of `mask` set.
    void deny_flags(long nr, std::size_t index, std::uint32_t mask) {
        jump_eq(static_cast<std::uint32_t>(nr), 0, 4);
        load(argument_low(index));
        jump_set(mask, 0, 1);
        ret(errno_return(EPERM));
        ret(kAllow);
    }
    /// `nr` is allowed only when argument `index` equals `value`.
    void allow_only_if(long nr, std::size_t index, std::uint32_t value) {
        jump_eq(static_cast<std::uint32_t>(nr), 0, 4);
        load(argument_low(index));
        jump_eq(value, 0, 1);
        ret(kAllow);
        ret(errno_return(EPERM));
    }
    std::vector<sock_filter> take() { return std::move(code_); }

  private:
    void emit(std::uint16_t code, std::uint32_t k) { code_.push_back(sock_filter{code, 0, 0, k}); }
    void jump(std::uint16_t code, std::uint32_t k, std::uint8_t when_true,
              std::uint8_t when_false) {
        code_.push_back(sock_filter{code, when_true, when_false, k});
    }
    std::vector<sock_filter> code_;
};

}  // namespace

std::optional<std::vector<sock_filter>> probe_seccomp_program(pid_t self) {
    if (kNativeArch == 0) {
        return std::nullopt;
    }
    Assembler a;
    // A call made through another ABI (32-bit x86 on x86_64) would use other numbers: kill it.
    a.load(offsetof(seccomp_data, arch));
    a.jump_eq(kNativeArch, 1, 0);
    a.ret(SECCOMP_RET_KILL_PROCESS);
    a.load(offsetof(seccomp_data, nr));
#if defined(__x86_64__)
    a.jump_ge(__X32_SYSCALL_BIT, 0, 1);  // x32 numbers
    a.ret(errno_return(EPERM));
#endif
    for (const long nr : kDenied) {
        a.fixed(nr, errno_return(EPERM));
    }
    for (const long nr : kNotImplemented) {
        a.fixed(nr, errno_return(ENOSYS));
    }
    // Signals only to its own threads: tgkill(tgid, tid, sig) with tgid == self.
    a.allow_only_if(__NR_tgkill, 0, static_cast<std::uint32_t>(self));
    // Sockets: AF_UNIX only (the system bus).
    a.allow_only_if(__NR_socket, 0, AF_UNIX);
    // Files: read-only opens.
    a.deny_flags(__NR_openat, 2, kOpenForWriting);
#if defined(__x86_64__)
    a.deny_flags(__NR_open, 1, kOpenForWriting);
#endif
    // clone: threads only (CLONE_THREAD set), never into new namespaces.
    a.jump_eq(static_cast<std::uint32_t>(__NR_clone), 0, 5);
    a.load(argument_low(0));
    a.jump_set(CLONE_THREAD, 0, 2);
    a.jump_set(kNewNamespaces, 1, 0);
    a.ret(kAllow);
    a.ret(errno_return(EPERM));
    a.ret(kAllow);
    return a.take();
}

int install_seccomp_program(const std::vector<sock_filter>& program) {
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.size());
    prog.filter = const_cast<sock_filter*>(program.data());  // NOLINT: the kernel only reads it
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        return errno;
    }
    return 0;
}

}  // namespace btfence::fido
