//! The prefilter: files are skimmed, and syn parses only the items that can matter.
//!
//! A file is tokenized by the byte-level [`Lexer`], which splits it into module-level items.
//! What the scanner needs from an item that does not mention `plugin` or `PluginSpec` is what
//! other files depend on: `mod` items (to follow the module tree, with their `#[path]`,
//! `#[cfg]` and visibility) and `const`s (which `namespace = CONST` may name). So:
//!
//! - `mod x;` and the header of `mod x { .. }` (with the body's inner attributes) are parsed
//!   with syn and go through the same code as fully parsed modules; the body is skimmed;
//! - a `const` whose value may be a string literal (`= "..";` or `= ("..");`) is parsed with
//!   syn; any other `const` holds no string literal, and only its name and place are kept;
//! - an item whose text mentions `plugin` or `PluginSpec` is parsed with syn and goes through
//!   the same code as in a full parse (misplaced attributes and declarations in function
//!   bodies included); other items are skipped unparsed.
//!
//! Locations come out the same: each snippet is parsed with its offset in the file.
//! Whatever the skimmer cannot make sense of (unbalanced delimiters, an unterminated string or
//! comment, an item cut off by the end of the file, a snippet syn rejects or that nests too
//! deep) sends the whole file to syn, so such a file is reported exactly as without the
//! prefilter. The one difference left: text that tokenizes fine but is not valid Rust
//! (`fn f() -> {}`), in an item that does not mention plugins, gets no "cannot parse"
//! diagnostic; rustc reports it, and no declaration can hide in it. (A file nesting deeper
//! than the limit outside such items is read here, where a full parse gives up.)

use syn::parse::Parser;
use syn::{Attribute, Item, Visibility};

use super::cfg;
use super::items::{Extractor, FileItems};
use super::lex::{self, Lexer, Lines, Tok, Token, Unlexable, closing};
use super::read::MAX_NESTING;
use super::reexport::MAX_USE_DEPTH;
use super::tree::{Env, ModCtx};
use crate::model::Location;

/// Whether text mentions `plugin` or `PluginSpec` (and may declare a plugin).
pub(crate) fn mentions_plugins(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"plugin").is_some()
        || memchr::memmem::find(bytes, b"PluginSpec").is_some()
}

/// The text syn parses: without a byte order mark or a `#!` shebang line (as
/// `syn::parse_file` strips them, so that offsets here match its spans).
pub(crate) fn strip_preamble(mut text: &str) -> &str {
    text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(rest) = text.strip_prefix("#!") {
        let mut lexer = Lexer::new(rest.as_bytes());
        let attribute = lexer.skip_trivia().is_ok() && rest[lexer.pos()..].starts_with('[');
        if !attribute {
            return text.find('\n').map_or("", |i| &text[i..]);
        }
    }
    text
}

/// The skimmer could not read the file; parse it with syn instead.
pub(crate) struct Fallback;

impl From<Unlexable> for Fallback {
    fn from(_: Unlexable) -> Self {
        Fallback
    }
}

impl From<syn::Error> for Fallback {
    fn from(_: syn::Error) -> Self {
        Fallback
    }
}

/// Skims `text` (already without its preamble), the module `ctx`; `Err` when it needs syn.
pub(crate) fn skim(
    env: &Env,
    file: &std::path::Path,
    text: &str,
    ctx: &ModCtx,
) -> Result<FileItems, Fallback> {
    let mut skimmer = Skimmer {
        ex: Extractor::new(env, file),
        targeted: mentions_plugins(text.as_bytes()),
        text,
        lexer: Lexer::new(text.as_bytes()),
        lines: Lines::new(text.as_bytes()),
    };
    let inner = skimmer.inner_attrs()?;
    let attrs = match inner {
        Some((start, end)) => {
            skimmer.base(start);
            Attribute::parse_inner.parse_str(&text[start..end])?
        }
        None => Vec::new(),
    };
    let cfgs = cfg::cfgs(&attrs);
    if cfgs.test && !env.include_tests {
        // syn would have parsed the file, so check that it can be read.
        skimmer.items(ctx, true)?;
        return Ok(FileItems {
            skipped: vec![ctx.child_dir()],
            ..FileItems::default()
        });
    }
    let mut ctx = ctx.clone();
    ctx.cfg.extend(cfgs.at(ctx.segments.len()));
    skimmer.items(&ctx, false)?;
    skimmer.ex.read(ctx);
    Ok(skimmer.ex.out)
}

/// An inline module whose body the skimmer is in.
enum Frame {
    /// Read its items, in this module context.
    Read(ModCtx),
    /// Only check that its items can be read.
    Skip,
}

struct Skimmer<'t, 'e> {
    ex: Extractor<'e>,
    /// The file mentions plugins: items that do are parsed with syn.
    targeted: bool,
    text: &'t str,
    lexer: Lexer<'t>,
    lines: Lines<'t>,
}

impl Skimmer<'_, '_> {
    fn next(&mut self) -> Result<Option<Token>, Fallback> {
        Ok(self.lexer.next_token()?)
    }

    fn is(&self, token: Token, word: &[u8]) -> bool {
        self.lexer.text(token) == word
    }

    /// Makes the extractor's locations count from `offset` (where the next snippet starts).
    fn base(&mut self, offset: usize) {
        self.ex.base = self.lines.at(offset);
    }

    fn location(&mut self, offset: usize) -> Location {
        let (line, column) = self.lines.at(offset);
        Location {
            file: self.ex.file.to_path_buf(),
            line,
            column: column + 1,
        }
    }

    /// Consumes the rest of a group whose opening delimiter was just read.
    fn skip_group(&mut self, open: u8) -> Result<(), Fallback> {
        let mut stack = vec![open];
        while let Some(token) = self.next()? {
            match token.kind {
                Tok::Open(d) => stack.push(d),
                Tok::Close(d) => {
                    let opened = stack.pop().ok_or(Fallback)?;
                    if closing(opened) != d {
                        return Err(Fallback);
                    }
                    if stack.is_empty() {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err(Fallback)
    }

    /// Whether the identifier just read starts a macro call: a path, then `!`.
    fn is_call(&self) -> Result<bool, Fallback> {
        let mut ahead = self.lexer.clone();
        loop {
            match ahead.next_token()?.map(|t| t.kind) {
                Some(Tok::Punct(b'!')) => return Ok(true),
                Some(Tok::Punct(b':')) => {
                    let colon = ahead.next_token()?.map(|t| t.kind);
                    let ident = ahead.next_token()?.map(|t| t.kind);
                    if (colon, ident) != (Some(Tok::Punct(b':')), Some(Tok::Ident)) {
                        return Ok(false);
                    }
                }
                _ => return Ok(false),
            }
        }
    }

    /// Consumes inner attributes (`#![..]`) at the current place; their byte range.
    fn inner_attrs(&mut self) -> Result<Option<(usize, usize)>, Fallback> {
        let mut range: Option<(usize, usize)> = None;
        loop {
            let mut ahead = self.lexer.clone();
            let (Some(hash), Some(bang), Some(open)) = (
                ahead.next_token()?,
                ahead.next_token()?,
                ahead.next_token()?,
            ) else {
                return Ok(range);
            };
            if !(hash.kind == Tok::Punct(b'#')
                && bang.kind == Tok::Punct(b'!')
                && open.kind == Tok::Open(b'['))
            {
                return Ok(range);
            }
            self.lexer = ahead;
            self.skip_group(b'[')?;
            let end = self.lexer.pos();
            range = Some((range.map_or(hash.start, |r| r.0), end));
        }
    }

    /// Module-level items up to the end of the file, inline modules included; `skip` only
    /// checks that they can be read.
    ///
    /// Inline modules are a stack of frames, not recursion, so that no nesting of them can
    /// overflow a stack; a module that is not read (too deep, excluded, under `#[cfg(test)]`)
    /// is a `Skip` frame, which holds no module context (memory stays linear in the nesting).
    fn items(&mut self, ctx: &ModCtx, skip: bool) -> Result<(), Fallback> {
        // The inline modules the skimmer is in, innermost last (the file's own module is
        // `ctx`, or skipped).
        let mut frames: Vec<Frame> = Vec::new();
        // The item being read: where its first token is (`None` between items), whether we are
        // still in its prefix (attributes, visibility), and whether only `;` can end it.
        let mut first: Option<usize> = None;
        let mut prefix = true;
        let mut to_semicolon = false;
        // What the item is, when that means it must be parsed: `pub` without a restriction in
        // its prefix, a `pub use`, a macro call (whose body may hold items).
        let (mut public, mut reexport, mut call) = (false, false, false);
        while let Some(token) = self.next()? {
            let (ctx, skip) = match frames.last() {
                Some(Frame::Read(inner)) => (inner, false),
                Some(Frame::Skip) => (ctx, true),
                None => (ctx, skip),
            };
            let pending = first.is_some();
            let begin = *first.get_or_insert(token.start);
            // Where the item ends, and whether `module`/`constant` handled it already.
            let mut end = None;
            let mut handled = false;
            match token.kind {
                Tok::Close(b'}') if !frames.is_empty() && !pending => {
                    if let Some(Frame::Read(inner)) = frames.pop() {
                        self.ex.read(inner);
                    }
                    first = None;
                    continue;
                }
                Tok::Close(_) => return Err(Fallback),
                Tok::Open(d) => {
                    self.skip_group(d)?;
                    if d == b'{' && !to_semicolon {
                        end = Some(self.lexer.pos());
                    }
                    prefix = false;
                }
                Tok::Punct(b';') => end = Some(token.end),
                Tok::Punct(b'#') if prefix => {
                    let open = self.next()?.ok_or(Fallback)?;
                    if open.kind != Tok::Open(b'[') {
                        return Err(Fallback);
                    }
                    self.skip_group(b'[')?;
                }
                Tok::Ident if prefix && self.is(token, b"pub") => {
                    let mut ahead = self.lexer.clone();
                    if ahead
                        .next_token()?
                        .is_some_and(|t| t.kind == Tok::Open(b'('))
                    {
                        self.lexer = ahead;
                        self.skip_group(b'(')?;
                    } else {
                        public = true;
                    }
                }
                Tok::Ident if prefix && self.is(token, b"unsafe") => {}
                Tok::Ident if prefix && self.is(token, b"mod") => {
                    match self.module(begin, ctx, skip)? {
                        Some(frame) => {
                            frames.push(frame);
                            (first, prefix, to_semicolon) = (None, true, false);
                            public = false;
                            continue;
                        }
                        None => (end, handled) = (Some(self.lexer.pos()), true),
                    }
                }
                Tok::Ident if prefix && self.is(token, b"const") => {
                    if self.constant(begin, token, ctx, skip)? {
                        (end, handled) = (Some(self.lexer.pos()), true);
                    }
                    prefix = false;
                }
                Tok::Ident
                    if prefix
                        && [&b"use"[..], b"static", b"type"]
                            .iter()
                            .any(|word| self.is(token, word)) =>
                {
                    reexport = public && self.is(token, b"use");
                    to_semicolon = true;
                    prefix = false;
                }
                Tok::Ident if prefix => {
                    // A keyword that starts an item starts no macro call (most items).
                    let keyword = ITEM_KEYWORDS.contains(&self.lexer.text(token));
                    call = !keyword && self.is_call()?;
                    prefix = false;
                }
                _ => prefix = false,
            }
            if let Some(end) = end {
                let snippet = &self.text[begin..end];
                let wanted = || {
                    (reexport && use_depth(snippet.as_bytes()) <= MAX_USE_DEPTH)
                        || (self.targeted && mentions_plugins(snippet.as_bytes()))
                        || (call && holds_item_keywords(snippet.as_bytes()))
                };
                if !handled && wanted() {
                    let item: Item = parse_snippet(snippet)?;
                    if !skip {
                        self.base(begin);
                        self.ex.items(&[item], ctx);
                    }
                }
                (first, prefix, to_semicolon) = (None, true, false);
                (public, reexport, call) = (false, false, false);
            }
        }
        // An item cut off by the end of the file, or a missing `}`: syn reports it.
        if first.is_some() || !frames.is_empty() {
            Err(Fallback)
        } else {
            Ok(())
        }
    }

    /// A `mod` item starting at `start`, its `mod` keyword just read: for an inline module,
    /// the frame its body is read in (the caller reads the body).
    fn module(
        &mut self,
        start: usize,
        ctx: &ModCtx,
        skip: bool,
    ) -> Result<Option<Frame>, Fallback> {
        let name = self.next()?.ok_or(Fallback)?;
        let after = self.next()?.ok_or(Fallback)?;
        if name.kind != Tok::Ident {
            return Err(Fallback);
        }
        let inline = match after.kind {
            Tok::Punct(b';') => false,
            Tok::Open(b'{') => true,
            _ => return Err(Fallback),
        };
        let mut end = after.end;
        if inline && let Some((_, attrs_end)) = self.inner_attrs()? {
            end = attrs_end;
        }
        let mut snippet = self.text[start..end].to_owned();
        if inline {
            snippet.push('}');
        }
        let m: syn::ItemMod = parse_snippet(&snippet)?;
        let cfgs = cfg::cfgs(&m.attrs);
        if skip {
            return Ok(inline.then_some(Frame::Skip));
        }
        if cfgs.test && !self.ex.env.include_tests {
            self.ex.skipped(&m, ctx);
            return Ok(inline.then_some(Frame::Skip));
        }
        self.base(start);
        let child = self.ex.module(&m, cfgs, ctx);
        Ok(match child {
            Some(child) if inline => Some(Frame::Read(child)),
            _ => inline.then_some(Frame::Skip),
        })
    }

    /// A `const` starting at `start`, its keyword just read; `false` when it is a `const fn`.
    fn constant(
        &mut self,
        start: usize,
        keyword: Token,
        ctx: &ModCtx,
        skip: bool,
    ) -> Result<bool, Fallback> {
        let ident = self.next()?.ok_or(Fallback)?;
        if ident.kind != Tok::Ident {
            return Err(Fallback);
        }
        if [&b"fn"[..], b"unsafe", b"async", b"extern"]
            .iter()
            .any(|word| self.is(ident, word))
        {
            return Ok(false);
        }
        // Up to the `;`, remembering the last two tokens (a group counts as one).
        let mut last: [Option<Token>; 2] = [None, None];
        let end = loop {
            let token = self.next()?.ok_or(Fallback)?;
            let kept = match token.kind {
                Tok::Punct(b';') => break token.end,
                Tok::Open(d) => {
                    self.skip_group(d)?;
                    Token {
                        end: self.lexer.pos(),
                        ..token
                    }
                }
                Tok::Close(_) => return Err(Fallback),
                _ => token,
            };
            last = [last[1], Some(kept)];
        };
        let snippet = &self.text[start..end];
        let marked = self.targeted && mentions_plugins(snippet.as_bytes());
        if skip {
            if marked {
                parse_snippet::<syn::ItemConst>(snippet)?;
            }
            return Ok(true);
        }
        if marked || self.may_hold_string(last) {
            let item: syn::ItemConst = parse_snippet(snippet)?;
            self.base(start);
            self.ex.items(&[Item::Const(item)], ctx);
            return Ok(true);
        }
        let header = &self.text[start..keyword.start];
        if header.contains('#') {
            let parser = |input: syn::parse::ParseStream<'_>| {
                let attrs = input.call(Attribute::parse_outer)?;
                input.parse::<Visibility>()?;
                Ok(attrs)
            };
            if lex::deeper_than(header.as_bytes(), MAX_NESTING).is_some() {
                return Err(Fallback);
            }
            self.base(start);
            let attrs = parser.parse_str(header)?;
            if cfg::cfgs(&attrs).test && !self.ex.env.include_tests {
                return Ok(true);
            }
        }
        let name = std::str::from_utf8(self.lexer.text(ident)).map_err(|_| Fallback)?;
        let location = self.location(ident.start);
        let ident = name.strip_prefix("r#").unwrap_or(name);
        self.ex
            .out
            .consts
            .push(&ctx.segments, ident, location, None);
        Ok(true)
    }

    /// Whether a const ending in these two tokens (before `;`) may be a string literal:
    /// `= ".."` or `= ((".."))`, the `=` not part of an operator.
    fn may_hold_string(&self, last: [Option<Token>; 2]) -> bool {
        let [Some(eq), Some(value)] = last else {
            return false;
        };
        let operator =
            eq.start > 0 && b"=!<>+-*/%^&|.".contains(&self.text.as_bytes()[eq.start - 1]);
        if eq.kind != Tok::Punct(b'=') || operator {
            return false;
        }
        match value.kind {
            Tok::Str => true,
            Tok::Open(b'(') => parenthesized_string(&self.text.as_bytes()[value.start..value.end]),
            _ => false,
        }
    }
}

/// The most `::` on one path of a `use` item (`a::{b::c, d}`: 2), read without syn, which
/// parses use paths recursively.
fn use_depth(snippet: &[u8]) -> usize {
    let mut lexer = Lexer::new(snippet);
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut groups: Vec<usize> = Vec::new();
    let mut colon = false;
    while let Ok(Some(token)) = lexer.next_token() {
        match token.kind {
            Tok::Punct(b':') if colon => {
                depth += 1;
                deepest = deepest.max(depth);
                colon = false;
                continue;
            }
            Tok::Punct(b':') => {
                colon = true;
                continue;
            }
            Tok::Open(b'{') => groups.push(depth),
            Tok::Close(b'}') => depth = groups.pop().unwrap_or(0),
            Tok::Punct(b',') => depth = groups.last().copied().unwrap_or(0),
            _ => {}
        }
        colon = false;
    }
    deepest
}

/// Words that start an item that is not a macro call (`macro_rules!` defines one).
const ITEM_KEYWORDS: &[&[u8]] = &[
    b"fn",
    b"struct",
    b"enum",
    b"impl",
    b"trait",
    b"extern",
    b"async",
    b"union",
    b"auto",
    b"default",
    b"macro_rules",
];

/// Whether a macro call may hold items the scanner reads without plugin text: `mod`, `const`
/// or `use` as a token.
fn holds_item_keywords(snippet: &[u8]) -> bool {
    let mut lexer = Lexer::new(snippet);
    while let Ok(Some(token)) = lexer.next_token() {
        if token.kind == Tok::Ident && matches!(lexer.text(token), b"mod" | b"const" | b"use") {
            return true;
        }
    }
    false
}

/// Whether `group` is `(".")`, `((".."))`, ...
fn parenthesized_string(group: &[u8]) -> bool {
    let mut lexer = Lexer::new(group);
    let mut opened = 0usize;
    loop {
        match lexer.next_token() {
            Ok(Some(t)) if t.kind == Tok::Open(b'(') => opened += 1,
            Ok(Some(t)) if t.kind == Tok::Str => break,
            _ => return false,
        }
    }
    for _ in 0..opened {
        if !matches!(lexer.next_token(), Ok(Some(t)) if t.kind == Tok::Close(b')')) {
            return false;
        }
    }
    matches!(lexer.next_token(), Ok(None))
}

/// Parses an item on its own; too deep a nesting is left to the full parse, which reports it.
fn parse_snippet<T: syn::parse::Parse>(snippet: &str) -> Result<T, Fallback> {
    if lex::deeper_than(snippet.as_bytes(), MAX_NESTING).is_some() {
        return Err(Fallback);
    }
    Ok(syn::parse_str(snippet)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_is_stripped_like_syn() {
        assert_eq!(strip_preamble("\u{feff}fn f() {}"), "fn f() {}");
        assert_eq!(strip_preamble("#!/usr/bin/env x\nfn f() {}"), "\nfn f() {}");
        assert_eq!(strip_preamble("#![cfg(x)]\n"), "#![cfg(x)]\n");
        assert_eq!(strip_preamble("#! /* c */ [cfg(x)]"), "#! /* c */ [cfg(x)]");
    }

    #[test]
    fn use_depth_is_the_most_colons_on_one_path() {
        assert_eq!(use_depth(b"pub use a;"), 0);
        assert_eq!(use_depth(b"pub use a::b::C;"), 2);
        assert_eq!(use_depth(b"pub use a::{b::c::D, e, f::*};"), 3);
        assert_eq!(use_depth(b"#[cfg(x)] pub use a::{b::{c::d}, e::f};"), 3);
    }

    #[test]
    fn parenthesized_strings() {
        assert!(parenthesized_string(br#"( /* c */ ("a") )"#));
        assert!(!parenthesized_string(br#"("a", )"#));
        assert!(!parenthesized_string(br#"("a" + b)"#));
        assert!(!parenthesized_string(b"((1))"));
    }

    #[test]
    fn plugin_text_needs_a_full_parse() {
        assert!(mentions_plugins(b"#[plugin(namespace = \"x\")]"));
        assert!(mentions_plugins(b"static S: PluginSpec<dyn P>"));
        assert!(!mentions_plugins(
            b"pub mod Plugins; const PLUGIN: &str = \"\";"
        ));
    }
}
