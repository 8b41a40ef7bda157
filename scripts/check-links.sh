#!/usr/bin/env bash
# Checks the repository's links, offline (bash, git, coreutils, awk, grep, sed and perl):
#
#  1. Markdown. In every *.md file of the repository (tracked or new, not ignored: target/ is
#     left out), every relative link, [x](path), [x](path#anchor), ![x](path), [x]: path and
#     href="path" / src="path", points at an existing file or directory, and every anchor
#     (#anchor alone, or after a Markdown file) at a heading of that file (GitHub's slugs).
#     The guides that rustdoc includes (`include_str!` of a *.md file) are rendered as rustdoc
#     pages, where a file link is dead: they link Rust items (intra-doc links, `crate::Error`,
#     checked by step 2) and web pages only. A Rust path anywhere else is a dead link.
#  2. rustdoc. Rebuilds the workspace's docs from scratch (`cargo doc --workspace --no-deps`
#     with rustdoc's link lints denied: broken_intra_doc_links, private_intra_doc_links,
#     bare_urls; the other warnings are the CI's docs step's), then reads the HTML: every
#     relative href names an existing file, and no link was left as text ([`name`] or [name]
#     in brackets outside code). rustdoc makes both kinds of dead link without a warning for a
#     link into another crate whose docs have no known location (a sibling documented later
#     in the same build, with no html_root_url), so each published crate's html_root_url must
#     also name its docs.rs page for the workspace's version.
#  3. crates.io. The README of each published package (its Cargo.toml's `readme`) has no
#     relative link: crates.io resolves one against its own page (the packages declare no
#     `repository` it could rewrite them to), so it would be dead there. Absolute links, and
#     anchors of headings of the same README, only.
#
#   bash scripts/check-links.sh [--no-doc]
#
# --no-doc skips step 2 (the docs build). Lists every dead link it finds, then exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

with_doc=1
case "${1:-}" in
  --no-doc) with_doc=0 ;;
  "") ;;
  *) echo "usage: bash scripts/check-links.sh [--no-doc]" >&2; exit 2 ;;
esac

failures=0
fail() {
  echo "dead link: $*"
  failures=$((failures + 1))
}

# The links of Markdown file $1, one per line as "LINE<TAB>TARGET", outside fenced code blocks
# and inline code spans: inline links and images, reference definitions, href/src attributes.
links_of() {
  awk '
    /^[ \t]*(```|~~~)/ { fence = !fence; next }
    fence { next }
    {
      line = $0
      gsub(/`[^`]*`/, "", line)
      rest = line
      while (match(rest, /\]\([^)[:space:]]*/)) {
        print NR "\t" substr(rest, RSTART + 2, RLENGTH - 2)
        rest = substr(rest, RSTART + RLENGTH)
      }
      if (match(line, /^[ \t]*\[[^]]+\]:[ \t]+[^ \t]+/)) {
        target = substr(line, RSTART, RLENGTH)
        sub(/^[ \t]*\[[^]]+\]:[ \t]+/, "", target)
        print NR "\t" target
      }
      rest = line
      while (match(rest, /(href|src)="[^"]*"/)) {
        target = substr(rest, RSTART, RLENGTH)
        sub(/^(href|src)="/, "", target)
        sub(/"$/, "", target)
        print NR "\t" target
        rest = substr(rest, RSTART + RLENGTH)
      }
    }
  ' "$1"
}

# The anchors of the headings of Markdown file $1, GitHub's way: lower case, punctuation but
# `-` and `_` dropped, each space a `-` (a repeated heading gets -1, -2, ...).
anchors_of() {
  awk '
    /^[ \t]*(```|~~~)/ { fence = !fence; next }
    fence || !/^#+[ \t]/ { next }
    {
      h = $0
      sub(/^#+[ \t]+/, "", h)
      sub(/[ \t]+#*[ \t]*$/, "", h)
      h = tolower(h)
      gsub(/[^a-z0-9 _-]/, "", h)
      gsub(/ /, "-", h)
      n = seen[h]++
      print (n ? h "-" n : h)
    }
  ' "$1"
}

# The Markdown files that rustdoc includes, relative to the repository's root.
included_by_rustdoc=$(
  git ls-files --cached --others --exclude-standard '*.rs' | while read -r rs; do
    dir=$(dirname "$rs")
    { grep -o 'include_str!("[^"]*\.md")' "$rs" || true; } | sed 's/^include_str!("//; s/")$//' |
      while read -r md; do realpath -m --relative-to=. "$dir/$md"; done
  done | sort -u
)

# The README of each published package (no `publish = false`).
published_readmes=$(
  git ls-files --cached --others --exclude-standard 'Cargo.toml' '*/Cargo.toml' |
    while read -r toml; do
      grep -q '^publish = false' "$toml" && continue
      grep -q '^\[package\]' "$toml" || continue
      readme=$(sed -n 's/^readme = "\(.*\)"$/\1/p' "$toml")
      if [ -n "$readme" ]; then realpath -m --relative-to=. "$(dirname "$toml")/$readme"; fi
    done | sort -u
)

# 1 and 3: the Markdown files.
while read -r md; do
  dir=$(dirname "$md")
  is_readme=0 in_rustdoc=0
  grep -qxF "$md" <<<"$published_readmes" && is_readme=1
  grep -qxF "$md" <<<"$included_by_rustdoc" && in_rustdoc=1
  while IFS=$'\t' read -r line target; do
    where="$md:$line: ($target)"
    case "$target" in
      "" | http://* | https://* | mailto:*) continue ;;
    esac
    path=${target%%#*}
    anchor=
    [[ "$target" == *#* ]] && anchor=${target#*#}
    if [ "$is_readme" = 1 ] && [ -n "$path" ]; then
      fail "$where a relative link in a README published to crates.io (use an absolute link)"
      continue
    fi
    # A Rust path: an intra-doc link, which rustdoc resolves (step 2) and nothing else does.
    if [[ "$path" =~ ^[A-Za-z_][A-Za-z0-9_]*(::|@) ]] ||
      { [ "$in_rustdoc" = 1 ] && [[ "$path" =~ ^[A-Za-z_][A-Za-z0-9_]*(\(\)|!)?$ ]]; }; then
      [ "$in_rustdoc" = 1 ] || fail "$where an intra-doc link in a file that rustdoc does not include"
      continue
    fi
    if [[ "$path" =~ ^[a-z][a-z0-9+.-]*: ]]; then
      fail "$where an unknown scheme"
      continue
    fi
    if [ -z "$path" ]; then
      file=$md
    else
      file=$(realpath -m --relative-to=. "$dir/$path")
      if [ ! -e "$file" ]; then
        fail "$where no such file: $file"
        continue
      fi
      if [ "$in_rustdoc" = 1 ]; then
        fail "$where a file link in a guide that rustdoc renders (dead there): link its docs.rs page, or name the file"
        continue
      fi
    fi
    if [ -n "$anchor" ] && [[ "$file" == *.md ]]; then
      grep -qxF "$anchor" <<<"$(anchors_of "$file")" || fail "$where no heading #$anchor in $file"
    fi
  done < <(links_of "$md")
done < <(git ls-files --cached --others --exclude-standard '*.md')

# 2: rustdoc.
if [ "$with_doc" = 1 ]; then
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
  for crate in workshare:src workshare-pool:pool/src workshare-parfor:parfor/src \
    workshare-reductions:reductions/src; do
    name=${crate%%:*}
    lib=${crate#*:}/lib.rs
    want="#![doc(html_root_url = \"https://docs.rs/$name/$version\")]"
    grep -qxF "$want" "$lib" || fail "$lib: its html_root_url is not $want"
  done
  target_dir=$(cargo metadata --format-version 1 --no-deps | sed 's/.*"target_directory":"\([^"]*\)".*/\1/')
  # From scratch: what rustdoc renders depends on which sibling's docs exist already.
  rm -rf "$target_dir/doc"
  lints="-D rustdoc::broken_intra_doc_links -D rustdoc::private_intra_doc_links"
  RUSTDOCFLAGS="$lints -D rustdoc::bare_urls" cargo doc --workspace --no-deps --quiet ||
    fail "rustdoc reported broken links (above)"
  # Every relative href must name an existing file: rustdoc writes an intra-doc link with an
  # explicit target, [x](crate::parfor::X), into a crate it cannot place as href="crate::...".
  # Then the page's main part, less code blocks, item declarations and signatures (they hold
  # brackets of their own, &[T]) and the brackets inside inline code: what is left in brackets
  # is a link that rustdoc rendered as text. The pages of the crates only: not the sources,
  # nor help.html and settings.html (they link the index.html of a one-crate build).
  while IFS= read -r hit; do
    fail "$hit"
  done < <(
    find "$target_dir/doc" -mindepth 2 -name '*.html' -not -path "$target_dir/doc/src/*" \
      -print0 | xargs -0 perl -0777 -ne '
        my %seen;
        (my $dir = $ARGV) =~ s{/[^/]*$}{};
        while (/\bhref="([^"]*)"/g) {
          my $href = $1;
          # Not a scheme (https:, javascript:), an anchor, or a template of a script (${f}).
          next if $href =~ m{^(?:[a-z][a-z0-9+.-]*:(?!:)|#)|\$\{} || $seen{$href}++;
          (my $path = $href) =~ s/[#?].*//s;
          $path =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
          print "$ARGV: href=\"$href\" (no such file)\n" unless $path eq "" || -e "$dir/$path";
        }
        s{^.*?<main>}{}s;
        s{</main>.*$}{}s;
        s{<pre\b.*?</pre>}{}gs;
        s{<(h[1-6])\b[^>]*class="code-header".*?</\1>}{}gs;
        s{<code>(.*?)</code>}{ (my $c = $1) =~ tr/[]//d; "`$c`" }gse;
        s{<[^>]+>}{}g;
        %seen = ();
        while (/(\[`?[A-Za-z_][A-Za-z0-9_:]*(?:\(\))?!?`?\])/g) {
          print "$ARGV: $1 (a link that rustdoc left as text)\n" unless $seen{$1}++;
        }
      '
  )
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures dead link(s)"
  exit 1
fi
echo "links: all alive"
