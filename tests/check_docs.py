#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check_docs.py SRC_DIR: every relative link in the repository's Markdown
files points at a file that exists, and a #fragment at one of that file's
headings; README.md has at most 300 lines and keeps the two quick-start
commands exactly.  External links (http:, https:, mailto:, man:) are not
fetched."""
import os
import re
import sys

src = sys.argv[1]
errors = []
LINK = re.compile(r'(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
CODE = re.compile(r'```.*?```', re.S)


def slug(heading):
    """GitHub's anchor for a heading."""
    h = re.sub(r'`', '', heading.strip().lower())
    h = re.sub(r'[^\w\- ]', '', h)
    return h.replace(' ', '-')


def anchors(path):
    with open(path, encoding='utf-8') as f:
        text = CODE.sub('', f.read())
    seen, out = {}, set()
    for m in re.finditer(r'^#{1,6}\s+(.*?)\s*#*\s*$', text, re.M):
        s = slug(m.group(1))
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else '%s-%d' % (s, n))
    return out


md_files = []
for root, dirs, files in os.walk(src):
    dirs[:] = [d for d in dirs if not d.startswith('.')
               and d not in ('node_modules',) and not d.startswith('build')]
    md_files += [os.path.join(root, f) for f in files if f.endswith('.md')]

for md in sorted(md_files):
    with open(md, encoding='utf-8') as f:
        text = CODE.sub('', f.read())
    for m in LINK.finditer(text):
        target = m.group(1)
        if re.match(r'^[a-z]+:', target):
            continue
        path, _, frag = target.partition('#')
        where = os.path.relpath(md, src)
        full = os.path.normpath(os.path.join(os.path.dirname(md), path)) \
            if path else md
        if not os.path.exists(full):
            errors.append('%s: link to %s: no such file' % (where, target))
            continue
        if frag and full.endswith('.md') and frag not in anchors(full):
            errors.append('%s: link to %s: no such heading' % (where, target))

readme = os.path.join(src, 'README.md')
with open(readme, encoding='utf-8') as f:
    lines = f.read().split('\n')
if lines and lines[-1] == '':
    lines.pop()
if len(lines) > 300:
    errors.append('README.md: %d lines, more than 300' % len(lines))
for cmd in ('scripts/run.sh', 'scripts/test.sh'):
    if not any(line.startswith(cmd + ' ') for line in lines):
        errors.append('README.md: the quick-start command %s is missing' % cmd)

for e in errors:
    print('FAIL: ' + e)
if not errors:
    print('ok: %d Markdown files, links resolve; README.md %d lines'
          % (len(md_files), len(lines)))
sys.exit(1 if errors else 0)
