#!/usr/bin/env python3
"""Reads a dotnet-trace Speedscope file (thread-time samples) and prints, as Markdown, where the
busy threads spend their samples: a sample counts when its thread is running code, not parked
(waiting for work in the thread pool, for epoll, a timer, the file watcher, or a blocking wait)
and not one of the runtime's or Kestrel's housekeeping threads. For each frame: the share of busy
samples it is on (inclusive) and in which it is the innermost frame (exclusive); then the same
summed by component.
Usage: profile-report.py <file.speedscope.json> [rows, default 40]"""
import json
import re
import sys
from collections import Counter

path = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 40
with open(path, encoding="utf-8") as f:
    doc = json.load(f)
frames = [fr["name"] for fr in doc["shared"]["frames"]]
idle_leaf = re.compile(r"LowLevelLifoSemaphore\.WaitForSignal|Monitor\.Wait\(|WaitHandle\.WaitOne|Interop\+Sys\.(Read|WaitForSocketEvents)|"
                       r"ManualResetEventSlim\.Wait|SocketAsyncEngine\.EventLoop|Thread\.Sleep|Interop\+Sys\.Poll")
housekeeping = re.compile(r"ConsoleLoggerProcessor\.ProcessLogQueue|FileSystemWatcher|Heartbeat\.TimerLoop|TimerQueue\.TimerThread|GateThread|GC\.RunFinalizers|"
                          r"SocketAsyncEngine\.EventLoop|Program\.<Main>")
idle = {i for i, name in enumerate(frames) if idle_leaf.search(name)}
background = {i for i, name in enumerate(frames) if housekeeping.search(name)}


# dotnet-sampled-thread-time ends each stack with a pseudo-frame: CPU_TIME (running managed code)
# or UNMANAGED_CODE_TIME (in native code: OpenSSL's signing, SQLite, or blocked in the kernel).
pseudo = {i for i, name in enumerate(frames) if name in ("CPU_TIME", "UNMANAGED_CODE_TIME")}


def real(stack):
    return [i for i in stack if i not in pseudo]


def busy(stack):
    frames_only = real(stack)
    return bool(frames_only) and frames_only[-1] not in idle and not background.intersection(stack)

def stacks():
    """Every (stack, weight) of the file: sampled profiles as they are; evented ones (open and close
    events) as the stack held between consecutive events, weighted by the time it was held."""
    for profile in doc["profiles"]:
        if profile.get("type") == "sampled":
            weights = profile.get("weights") or [1] * len(profile["samples"])
            yield from zip(profile["samples"], weights)
        elif profile.get("type") == "evented":
            stack, last = [], None
            for event in profile["events"]:
                if last is not None and stack and event["at"] > last:
                    yield list(stack), event["at"] - last
                last = event["at"]
                if event["type"] == "O":
                    stack.append(event["frame"])
                elif stack:
                    stack.pop()


everything = list(stacks())
inclusive, exclusive, total = Counter(), Counter(), 0
for stack, weight in everything:
    if not busy(stack):
        continue
    total += weight
    for index in set(stack):
        inclusive[index] += weight
    exclusive[real(stack)[-1]] += weight


def short(name, width=110):
    name = re.sub(r"\(.*\)", "()", name)
    return name if len(name) <= width else name[: width - 1] + "…"

COMPONENTS = [
    ("signing (RSA/ECDsa)", re.compile(r"AsymmetricSignatureProvider\.Sign|RSA.*Sign|ECDsa.*Sign|SignHash|SignData")),
    ("SQLite write gate / database wait", re.compile(r"SqliteWriteGate|SemaphoreSlim.*Wait")),
    ("EF Core + SQLite (token entry, client lookup)", re.compile(r"EntityFrameworkCore|Sqlite|SQLitePCL")),
    ("client authentication (secret check)", re.compile(r"ValidateClientSecret|PasswordHasher|Pbkdf2|Rfc2898|VerifiedSecret")),
    ("JWT creation (JsonWebTokenHandler)", re.compile(r"JsonWebTokenHandler|JwtTokenUtilities|CreateToken")),
    ("JSON", re.compile(r"System\.Text\.Json|Utf8JsonWriter|JsonSerializer")),
    ("logging", re.compile(r"Microsoft\.Extensions\.Logging|Logger")),
    ("OpenIddict handlers (all)", re.compile(r"OpenIddict")),
]

print(f"Busy samples: {total} (threads running code; parked and housekeeping threads left out).")
print()
print("| frame | inclusive | exclusive |")
print("|---|---:|---:|")
roots = re.compile(r"^(Process64|Threads$|Thread \(|\(\)$)")
listed = [(i, w) for i, w in inclusive.most_common() if not roots.search(frames[i]) and frames[i] != "()"][:rows]
for index, weight in listed:
    print(f"| `{short(frames[index])}` | {100 * weight / total:.1f}% | {100 * exclusive[index] / total:.1f}% |")


def shares(title, column, patterns):
    """A table of the busy samples whose stack has a frame matching each pattern."""
    print()
    print(title)
    print()
    print(f"| {column} | share of busy samples |")
    print("|---|---:|")
    for label, pattern in patterns:
        matching = {i for i, name in enumerate(frames) if pattern.search(name)}
        share = sum(weight for stack, weight in everything if busy(stack) and matching.intersection(stack))
        print(f"| {label} | {100 * share / total:.1f}% |" if total else f"| {label} | n/a |")


shares("By component (a sample counts once per component it passes through; components overlap):", "component", COMPONENTS)

# The IdP's request handlers (a sample counts for each handler on its stack): which requests of a
# sign-in journey cost what. The session check runs inside the others.
HANDLERS = [
    ("session check on each cookie request (SessionValidator)", re.compile(r"SessionValidator")),
    ("assertion options (PasskeyEndpoints.BeginSignIn)", re.compile(r"PasskeyEndpoints.*BeginSignIn")),
    ("assertion verify (PasskeyEndpoints.CompleteSignIn)", re.compile(r"PasskeyEndpoints.*CompleteSignIn")),
    ("sign-in page (Razor Pages)", re.compile(r"PageActionInvoker|RazorPageBase|PageModel")),
    ("authorize (ConnectEndpoints.Authorize)", re.compile(r"ConnectEndpoints.*Authorize")),
    ("token (ConnectEndpoints.Token)", re.compile(r"ConnectEndpoints.*TokenAsync")),
    ("OpenIddict server pipeline (authorize and token)", re.compile(r"OpenIddictServerDispatcher")),
    ("client credentials shortcut (its own answer)", re.compile(r"ClientCredentialsShortcut.*(Answer|Write|Sign)")),
]
shares("By request handler (a sample counts for each handler on its stack):", "handler", HANDLERS)

# Where the heaviest innermost frames are called from: the nearest caller that is not the
# runtime's async plumbing, for each of the frames that hold the most busy samples.
plumbing = re.compile(r"AsyncTaskMethodBuilder|AsyncStateMachineBox|AsyncMethodBuilderCore|ExecutionContext|Task\.|TaskAwaiter|"
                      r"ValueTask|ConfiguredTaskAwaitable|ThreadPoolWorkQueue|WorkerThread|Thread\.StartCallback|MoveNext\(\)$")
print()
print("Callers of the heaviest innermost frames (nearest caller outside the async plumbing):")
print()
print("| innermost frame | exclusive | its callers (share of that frame) |")
print("|---|---:|---|")
for index, weight in exclusive.most_common(8):
    callers = Counter()
    for stack, w in everything:
        if not busy(stack):
            continue
        frames_only = real(stack)
        if frames_only[-1] != index:
            continue
        caller = next((frames[i] for i in reversed(frames_only[:-1]) if not plumbing.search(frames[i])), None)
        if caller is None:
            caller = next((frames[i] for i in reversed(frames_only[:-1]) if "MoveNext" in frames[i] and "System.Private.CoreLib" not in frames[i]), "(thread pool)")
        callers[short(caller, 80)] += w
    listing = "; ".join(f"`{name}` {100 * w / weight:.0f}%" for name, w in callers.most_common(3))
    print(f"| `{short(frames[index], 70)}` | {100 * weight / total:.1f}% | {listing} |")
