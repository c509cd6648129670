#!/usr/bin/env python3
"""Writes the xl.cfg differential corpus (corpus/NNN-class.cfg), one file per syntax case.

Each class of xl.cfg syntax that libxlutil's lexer and grammar distinguish
(tools/libs/util/libxlu_cfg_l.l and libxlu_cfg_y.y) gets files; the expected answer is never
written here: the differential test asks libxlutil itself. Rerun after adding a case; the
numbering is stable as long as cases are only appended.
"""
import os

cases = []

def case(cls, data):
    if isinstance(data, str):
        data = data.encode('utf-8')
    cases.append((cls, data))

NUM_KEYS = ['memory', 'vcpus', 'maxmem', 'max_event_channels', 'max_grant_frames',
            'max_maptrack_frames', 'max_grant_version']
NUMBERS = ['0', '1', '8', '010', '0128', '0x10', '0X10', '0xff', '0xFF', '0x', '00', '08', '1e3',
           '9223372036854775807', '9223372036854775808', '-1', '+1', '1.5', '"256"', "'256'",
           '" 256"', '"256 "', '"0x20"', '""', '"abc"', '1_000', '0b101', '"-1"', '"+7"',
           '0xffffffffffffffffff', '12abc', '"1e3"', '"010"', '" 0x10"']
for i, n in enumerate(NUMBERS):
    key = NUM_KEYS[i % len(NUM_KEYS)]
    case('number', f'name = "n{i}"\n{key} = {n}\n')
for key in NUM_KEYS:
    case('number', f'{key} = 16\n{key} = 32\n')          # the last assignment wins
    case('number', f'{key} = "16"\n{key} += "32"\n')     # += on a number

STRINGS = ['"a"', "'a'", r'"a\nb"', r"'a\nb'", r'"a\"b"', r"'a\'b'", r'"a\\b"', r'"\x41"',
           r'"\x4"', r'"\101"', r'"\12"', r'"\1"', r'"\q"', '""', "''", '123', '0x1f',
           '"über"', '"a\tb"', '"a', "'a", '"a\'b"', "'a\"b'", r'"\a\b\f\r\t\v"', r'"\\"',
           r'"\""', r"'\''", '"#not a comment"', "'a;b'", '"[x]"', r'"a\"', '"a"b"']
for i, s in enumerate(STRINGS):
    case('string', f'name = {s}\nmemory = 64\n')
case('string', 'name = "a" "b"\n')
case('string', 'type = "pv"\nbuilder = "generic"\nname = "t"\n')
case('string', 'type = "hvm"\nname = "t"\n')
case('string', 'type = \'pvh\'\nname = "t"\n')

ADDS = ['abi_permit = [ "evtchn-fifo" ]\nabi_permit += [ "gnttab-v2" ]\n',
        'abi_permit += [ "gnttab-v2" ]\n',
        'name = "a"\nname += "b"\n',
        'name += "b"\n',
        'abi_permit = [ "evtchn-fifo" ]\nabi_permit += "gnttab-v2"\n',
        'name = "a"\nname += [ "b" ]\n',
        'abi_permit = []\nabi_permit += []\n',
        'abi_permit = [ "a" ]\nabi_permit += [ "b" ]\nabi_permit += [ "c" ]\n',
        'abi_permit = [ "a" ]\nabi_permit = [ "b" ]\n',
        'abi_permit += [ "a" ]\nabi_permit = [ "b" ]\nabi_permit += [ "c" ]\n',
        'memory += 4\n',
        'memory = 4\nmemory += 4\n',
        'name = "x"\nname+="y"\n',
        'name = "x"\nname + = "y"\n']
for a in ADDS:
    case('add', a)

KEYS = ['foo.bar = 1\n', 'a9 = 1\n', 'a_b = 1\n', 'A = 1\n', 'Name = "x"\n', '_x = 1\n',
        '9a = 1\n', 'a-b = 1\n', 'a.b.c.d = "x"\n', 'x. = 1\n', 'name.first = "x"\n',
        'memory.max = 5\n', 'z = 1\nz = [ "x" ]\n', 'abi_permit = "evtchn-fifo"\n',
        'vcpus = [ 2 ]\n', 'name = [ "x" ]\n', 'a =\n', '= 1\n', 'a == 1\n', 'a = = 1\n',
        'memory 128\n', 'memory=128\n', 'memory\t=\t128\n', '   memory = 128\n',
        'memory = 128   \n', 'déjà = 1\n', 'a.9 = 1\n', 'a..b = 1\n']
for k in KEYS:
    case('key', k)

LISTS = ['abi_permit = []\n', 'abi_permit = [ "a" ]\n', 'abi_permit = [ "a", ]\n',
         'abi_permit = [ , ]\n', 'abi_permit = [ ["a"] ]\n', 'abi_permit = [ "a", [ "b", "c" ], "d" ]\n',
         'abi_permit = [\n  "a",\n  "b"\n]\n', 'abi_permit = [\n\n"a"\n\n,\n\n"b"\n\n]\n',
         'abi_permit = [ "a" # c\n, "b" ]\n', 'abi_permit = [ 1, 0x2, "3" ]\n',
         'abi_permit = [ "a" "b" ]\n', 'abi_permit = [ "a",, "b" ]\n', 'abi_permit = [ "a"\n',
         'abi_permit = "a" ]\n', 'abi_permit = [ [ ] ]\n', 'abi_permit = [ [ [ "deep" ] ] ]\n',
         'abi_permit = [ \'a\', "b" ]\n', 'abi_permit = [ "evtchn-fifo", "gnttab-v2" ]\n',
         'abi_permit = [ "*" ]\n', 'abi_permit = [ "" ]\n', 'abi_permit = [ "a", "a" ]\n',
         'abi_permit = [\n]\n', 'abi_permit = [ "a" ];\n', 'abi_permit = ( "a" )\n',
         'abi_permit = { "a" }\n', 'abi_permit = [ "a" ] [ "b" ]\n']
for l in LISTS:
    case('list', l)

COMMENTS = ['# only a comment\n', '# c\nmemory = 64\n', 'memory = 64 # c\n', 'memory = 64 # c',
            'memory = 64\n# c', '#', '#\n#\n#\n', 'memory = 64#c\n', 'name = "a#b" # c\n',
            '  # indented\nmemory = 64\n', 'memory = # c\n64\n', '# c \\\nmemory = 64\n',
            '#!/usr/bin/xl\nmemory = 64\n', 'memory = 64\n#\xc3\xa9\n']
for c in COMMENTS:
    case('comment', c)

ENDS = ['memory = 64\r\n', 'memory = 64\r\nvcpus = 2\r\n', 'memory = 64\rvcpus = 2\r',
        'memory = 64', 'memory = 64; vcpus = 2\n', 'memory = 64;vcpus = 2', 'memory = 64 vcpus = 2\n',
        'memory = 64;;\n', ';\n', ';;;', 'memory = 64\n\n\n\nvcpus = 2\n', '\n\n\n',
        'memory = 64;\nvcpus = 2;', 'memory = 64\fvcpus = 2\n', 'memory = 64\vvcpus = 2\n',
        '\tmemory\t=\t64\t\n', 'memory = 64\n\r\n', 'name = "a\r"\n']
for e in ENDS:
    case('ends', e)

case('bytes', b'memory = 64\n\x00\n')
case('bytes', b'name = "a\x00b"\n')
case('bytes', b'name = "\xff"\n')
case('bytes', b'\xff = 1\n')
case('bytes', b'# \xff\xfe\nmemory = 64\n')
case('bytes', b'\xef\xbb\xbfmemory = 64\n')
case('bytes', b'name = "\xe2\x82\xac"\n')
case('bytes', b'name = "a\x01b"\n')
case('bytes', b'memory = 64\x1a\n')
case('bytes', b'name = \'\x7f\'\n')

case('empty', b'')
case('empty', b' ')
case('empty', b'\n')
case('empty', b'\t \t\n  \n')

PY = ['memory = 128 + 1\n', "vif = ('a')\n", 'x = True\n', 'disable_evtchn_fifo = true\n',
      'memory = (128)\n', 'name = u"x"\n', 'x = None\n', 'memory = 1:2\n', 'memory = 64.\n',
      'kernel = "/boot/vmlinuz" ; ramdisk = "/boot/initrd"\n', 'x = -\n', 'x = a\n']
for p in PY:
    case('python', p)

REAL = [
    # what xen-tools writes
    "kernel      = '/boot/vmlinuz'\nramdisk     = '/boot/initrd.img'\nvcpus       = '1'\nmemory      = '256'\n"
    "root        = '/dev/xvda2 ro'\ndisk        = [\n                  'file:/srv/xen/domains/vm/disk.img,xvda2,w',\n"
    "                  'file:/srv/xen/domains/vm/swap.img,xvda1,w',\n              ]\nname        = 'vm'\n"
    "vif         = [ 'ip=192.168.1.10 ,mac=00:16:3E:00:00:01' ]\non_poweroff = 'destroy'\non_reboot   = 'restart'\n"
    "on_crash    = 'restart'\n",
    # xl.cfg(5) style
    'name = "guest"\ntype = "pvh"\nmemory = 512\nmaxmem = 1024\nvcpus = 2\nmaxvcpus = 4\n'
    'max_grant_frames = 64\nmax_maptrack_frames = 1024\nmax_event_channels = 1023\n'
    'abi_permit = [ "evtchn-fifo", "gnttab-v2" ]\n',
    'name = "old"\nmax_grant_version = 1\n',
    'name = "nofifo"\ndisable_evtchn_fifo = 1\n',
    'name = "x"\nxen_extensions = 1\n',
    'name = "x"\nxen_extensions = 0\n',
    'name = "x"\ndisable_evtchn_fifo = 0\nmax_grant_version = 2\n',
]
for r in REAL:
    case('real', r)

big = ''.join(f'key{i} = "{"v" * 40}"\n' for i in range(12000))
case('huge', big + 'memory = 64\nname = "big"\n')
case('huge', 'abi_permit = [ ' + ', '.join(f'"x{i}"' for i in range(5000)) + ' ]\n')
case('huge', 'name = "' + 'n' * 100000 + '"\n')
case('huge', '\n' * 50000 + 'memory = 64\n')
case('huge', '# ' + 'c' * 200000 + '\nmemory = 64\n')

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
os.makedirs(here, exist_ok=True)
for f in os.listdir(here):
    if f.endswith('.cfg'):
        os.remove(os.path.join(here, f))
for i, (cls, data) in enumerate(cases):
    with open(os.path.join(here, f'{i:03d}-{cls}.cfg'), 'wb') as out:
        out.write(data)
print(f'{len(cases)} files in {here}')
