import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..');

/** The user-facing docs: README.md, docs/*.md, and every README of an app, a lib or docker/. */
function docFiles(): string[] {
  const found = ['README.md', 'docker/README.md'];
  found.push(...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`));
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'README.md') found.push(path);
    }
  };
  walk('apps');
  walk('libs');
  return found.filter((f) => existsSync(join(root, f)));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
const anchorsOf = (markdown: string) =>
  new Set(
    [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading]) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );

interface Problem {
  file: string;
  link: string;
  problem: string;
}

function linkProblems(file: string): Problem[] {
  const text = readFileSync(join(root, file), 'utf8');
  const prose = text.replace(/```[\s\S]*?```/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/^\s*\[[^\]^]+\]:\s*(\S+)/gm)].map((m) => m[1]),
    ...[...prose.matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((m) => m[1]),
  ];
  const problems: Problem[] = [];
  for (const link of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
    const [pathPart, anchor] = link.split('#');
    const target = pathPart ? join(dirname(join(root, file)), decodeURIComponent(pathPart)) : join(root, file);
    if (!target.startsWith(root) || !existsSync(target)) {
      problems.push({ file, link, problem: 'no such file in the repository' });
      continue;
    }
    if (anchor && target.endsWith('.md') && statSync(target).isFile() && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
      problems.push({ file, link, problem: `no heading #${anchor} in ${relative(root, target)}` });
    }
  }
  // A Markdown file named in prose (`STYLE.md`, docs/x.md) must be one the reader can open.
  const known = new Set(docFiles().map((f) => f.split('/').pop()));
  for (const [, name] of prose.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w-]+\.md)\b/g)) {
    const candidates = [join(dirname(join(root, file)), name), join(root, name)];
    if (!candidates.some((c) => existsSync(c)) && !known.has(name)) problems.push({ file, link: name, problem: 'names a Markdown file that is not in the repository' });
  }
  return problems;
}

describe('docs links', () => {
  const files = docFiles();

  it('finds the docs to check', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/operations.md', 'docs/sync-jobs.md', 'libs/engine/README.md']));
  });

  it.each(files)('%s links only to files (and headings) that exist in the repository', (file) => {
    expect(linkProblems(file)).toEqual([]);
  });
});
