//! A streaming XML reader that hands out one entry's subtree at a time.
//!
//! The lists run to tens of megabytes; only one entry (a few dozen elements) is ever held as a
//! tree, which keeps the importers simple without building a DOM of the whole file.

use std::borrow::Cow;
use std::fmt::Write as _;

use kyc_screening::ListFormat;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::{ImportError, Location};

/// An element's attributes, by local name.
type Attributes<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// One element of an entry's subtree, with everything the importers read from it. Names and
/// texts borrow from the file where they can: an SDN-sized list has close to a million
/// elements, and an allocation for each is most of the time a parse takes.
#[derive(Debug)]
pub(crate) struct Element<'a> {
    /// The local name (namespace prefixes dropped: the lists change namespaces between
    /// publications, the element names are what identifies the data).
    pub(crate) name: Cow<'a, str>,
    /// The byte offset of the start tag in the decoded text.
    pub(crate) offset: u64,
    /// The attributes, by local name, unescaped.
    pub(crate) attrs: Attributes<'a>,
    /// The element's own text, unescaped and trimmed.
    pub(crate) text: Cow<'a, str>,
    /// The child elements, in document order.
    pub(crate) children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    fn new(name: Cow<'a, str>, offset: u64, attrs: Attributes<'a>) -> Self {
        Element {
            name,
            offset,
            attrs,
            text: Cow::Borrowed(""),
            children: Vec::new(),
        }
    }

    /// The attribute's value, unless absent or blank.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// The first child of that name.
    pub(crate) fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child of that name.
    pub(crate) fn children_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Element<'a>> + 's {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The element's text, unless blank.
    pub(crate) fn text(&self) -> Option<&str> {
        Some(self.text.as_ref()).filter(|text| !text.is_empty())
    }

    /// The first child's text, unless the child is absent or blank.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(Element::text)
    }

    /// The path from this element down to `target` (one of its descendants, or itself), each
    /// step with its `[n]` when it is not the first of its name among its siblings.
    fn path_to(&self, target: &Element<'_>, path: &mut String) -> bool {
        if std::ptr::addr_eq(self, target) {
            return true;
        }
        for (position, child) in self.children.iter().enumerate() {
            let before = path.len();
            let index = 1 + self.children[..position]
                .iter()
                .filter(|sibling| sibling.name == child.name)
                .count();
            path.push('/');
            path.push_str(&child.name);
            if index > 1 {
                let _ = write!(path, "[{index}]");
            }
            if child.path_to(target, path) {
                return true;
            }
            path.truncate(before);
        }
        false
    }
}

/// One entry's subtree and where it is.
pub(crate) struct Entry<'a> {
    /// The path of the entry element, always with its `[n]`.
    pub(crate) path: String,
    /// The entry element.
    pub(crate) root: Element<'a>,
}

/// An element above the entries that is still open.
struct Level {
    name: String,
    path: String,
    /// How many children of each name it has had so far, for the `[n]` of the next one.
    seen: Vec<(String, u32)>,
}

/// Counts a child of `name` and returns its index among the children of that name, from 1.
fn count_child(seen: &mut Vec<(String, u32)>, name: &str) -> u32 {
    if let Some((_, count)) = seen.iter_mut().find(|(seen_name, _)| seen_name == name) {
        *count += 1;
        *count
    } else {
        seen.push((name.to_owned(), 1));
        1
    }
}

fn child_path(parent: &str, name: &str, index: u32, always_index: bool) -> String {
    if always_index || index > 1 {
        format!("{parent}/{name}[{index}]")
    } else {
        format!("{parent}/{name}")
    }
}

/// The 1-based line of a byte offset.
#[allow(clippy::naive_bytecount)] // Only for an error message.
pub(crate) fn line_of(text: &str, offset: u64) -> u64 {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let newlines = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u64::try_from(newlines)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

/// Reads a list's XML one entry subtree at a time.
pub(crate) struct XmlStream<'a> {
    text: &'a str,
    reader: Reader<&'a [u8]>,
    open: Vec<Level>,
    root_attrs: Attributes<'a>,
}

impl<'a> XmlStream<'a> {
    /// Starts reading `text` (see [`decode`]), which must have the root element `root`.
    pub(crate) fn open(
        format: ListFormat,
        text: &'a str,
        root: &'static str,
    ) -> Result<Self, ImportError> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        let mut stream = XmlStream {
            text,
            reader,
            open: Vec::new(),
            root_attrs: Vec::new(),
        };
        loop {
            let before = stream.reader.buffer_position();
            let event = stream.reader.read_event().map_err(|e| stream.syntax(&e))?;
            match event {
                Event::Start(start) | Event::Empty(start) => {
                    let name = local_name(&start);
                    if name != root {
                        return Err(ImportError::NotThisFormat {
                            format,
                            location: stream.element_location(&name, before),
                            expected: root,
                        });
                    }
                    stream.root_attrs = stream.attributes(&start, &name, before)?;
                    stream.open.push(Level {
                        path: name.clone(),
                        name,
                        seen: Vec::new(),
                    });
                    return Ok(stream);
                }
                Event::Text(text) if text.xml10_content().trim().is_empty() => {}
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                _ => {
                    return Err(ImportError::NotThisFormat {
                        format,
                        location: stream.offset_location(before),
                        expected: root,
                    });
                }
            }
        }
    }

    /// An attribute of the root element, unless absent or blank.
    pub(crate) fn root_attr(&self, name: &str) -> Option<&str> {
        self.root_attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// The next element whose path of local names from the root satisfies `wanted`, read
    /// whole; `None` at the end of the document.
    pub(crate) fn next_entry(
        &mut self,
        wanted: impl Fn(&[&str]) -> bool,
    ) -> Result<Option<Entry<'a>>, ImportError> {
        loop {
            let before = self.reader.buffer_position();
            let event = self.reader.read_event().map_err(|e| self.syntax(&e))?;
            match event {
                Event::Start(ref start) | Event::Empty(ref start) => {
                    let empty = matches!(event, Event::Empty(_));
                    let name = local_name(start);
                    let wanted_here = {
                        let mut names: Vec<&str> =
                            self.open.iter().map(|level| level.name.as_str()).collect();
                        names.push(&name);
                        wanted(&names)
                    };
                    let Some(parent) = self.open.last_mut() else {
                        return Err(ImportError::Malformed {
                            location: self.offset_location(before),
                            reason: "an element after the root element".to_owned(),
                        });
                    };
                    let index = count_child(&mut parent.seen, &name);
                    let path = child_path(&parent.path, &name, index, wanted_here);
                    if wanted_here {
                        let root = self.read_subtree(start, &path, before, empty)?;
                        return Ok(Some(Entry { path, root }));
                    }
                    if !empty {
                        self.open.push(Level {
                            name,
                            path,
                            seen: Vec::new(),
                        });
                    }
                }
                Event::End(_) => {
                    self.open.pop();
                }
                Event::Eof => {
                    if self.open.is_empty() {
                        return Ok(None);
                    }
                    return Err(self.truncated());
                }
                _ => {}
            }
        }
    }

    fn read_subtree(
        &mut self,
        start: &BytesStart<'_>,
        path: &str,
        offset: u64,
        empty: bool,
    ) -> Result<Element<'a>, ImportError> {
        let root = Element::new(
            self.borrowed(local_name_str(start)),
            offset,
            self.attributes(start, path, offset)?,
        );
        if empty {
            return Ok(root);
        }
        // The elements being read, innermost last.
        let mut building: Vec<Element<'a>> = vec![root];
        loop {
            let before = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.syntax_in(&e, Self::open_path_in(path, &building))),
            };
            match event {
                Event::Start(ref start) | Event::Empty(ref start) => {
                    let empty = matches!(event, Event::Empty(_));
                    let name = self.borrowed(local_name_str(start));
                    let attrs = if start.attributes_raw().trim().is_empty() {
                        Vec::new()
                    } else {
                        let path = Self::open_path_in(path, &building);
                        self.attributes(start, &path, before)?
                    };
                    let element = Element::new(name, before, attrs);
                    match (empty, building.last_mut()) {
                        (true, Some(parent)) => parent.children.push(element),
                        (false, Some(_)) => building.push(element),
                        (_, None) => return Err(self.truncated()),
                    }
                }
                Event::End(_) => {
                    let Some(mut done) = building.pop() else {
                        return Err(self.truncated());
                    };
                    done.text = trim(done.text);
                    match building.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                Event::Text(text) => {
                    if let Some(element) = building.last_mut() {
                        append_text(element, text.xml10_content());
                    }
                }
                Event::CData(data) => {
                    if let Some(element) = building.last_mut() {
                        append_text(element, data.into_inner());
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved: Option<String> = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => {
                            quick_xml::escape::resolve_predefined_entity(&reference.xml10_content())
                                .map(str::to_owned)
                        }
                        Err(_) => None,
                    };
                    let Some(resolved) = resolved else {
                        return Err(ImportError::Malformed {
                            location: self.at(Self::open_path_in(path, &building), before),
                            reason: "an unknown entity or invalid character reference".to_owned(),
                        });
                    };
                    let Some(element) = building.last_mut() else {
                        return Err(self.truncated());
                    };
                    element.text.to_mut().push_str(&resolved);
                }
                Event::Eof => {
                    return Err(ImportError::Malformed {
                        location: self.at(Self::open_path_in(path, &building), before),
                        reason: "the file ends inside this element (truncated?)".to_owned(),
                    });
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }

    /// The path of the innermost element being read (for errors only: it walks the tree).
    fn open_path_in(entry_path: &str, building: &[Element<'_>]) -> String {
        let mut path = entry_path.to_owned();
        for pair in building.windows(2) {
            let (parent, child) = (&pair[0], &pair[1]);
            let index = 1 + parent
                .children
                .iter()
                .filter(|sibling| sibling.name == child.name)
                .count();
            path.push('/');
            path.push_str(&child.name);
            if index > 1 {
                let _ = write!(path, "[{index}]");
            }
        }
        path
    }

    /// A slice of the element's tag as a slice of the file, when it is one (always, for a
    /// slice reader), so that it outlives the event.
    fn borrowed(&self, part: &str) -> Cow<'a, str> {
        let text: &'a str = self.text;
        let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        match text.get(start..start.wrapping_add(part.len())) {
            Some(slice) if std::ptr::eq(slice.as_ptr(), part.as_ptr()) => Cow::Borrowed(slice),
            _ => Cow::Owned(part.to_owned()),
        }
    }

    fn attributes(
        &self,
        start: &BytesStart<'_>,
        path: &str,
        offset: u64,
    ) -> Result<Attributes<'a>, ImportError> {
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| ImportError::Malformed {
                location: self.at(path.to_owned(), offset),
                reason: format!("bad attribute: {e}"),
            })?;
            let key: &str = attr.key.as_ref();
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| ImportError::Malformed {
                    location: self.at(path.to_owned(), offset),
                    reason: format!("bad attribute value: {e}"),
                })?;
            let value = match value {
                Cow::Borrowed(value) => self.borrowed(value),
                Cow::Owned(value) => Cow::Owned(value),
            };
            attrs.push((self.borrowed(attr.key.local_name().as_ref()), value));
        }
        Ok(attrs)
    }

    /// Where `element`, part of `entry`, is.
    pub(crate) fn location(&self, entry: &Entry<'_>, element: &Element<'_>) -> Location {
        let mut path = entry.path.clone();
        if !entry.root.path_to(element, &mut path) {
            path.clone_from(&entry.path);
        }
        Location::Element {
            path,
            line: line_of(self.text, element.offset),
            offset: element.offset,
        }
    }

    fn element_location(&self, path: &str, offset: u64) -> Location {
        Location::Element {
            path: path.to_owned(),
            line: line_of(self.text, offset),
            offset,
        }
    }

    fn at(&self, path: String, offset: u64) -> Location {
        Location::Offset {
            path,
            line: line_of(self.text, offset),
            offset,
        }
    }

    fn offset_location(&self, offset: u64) -> Location {
        self.at(self.open_path(), offset)
    }

    fn open_path(&self) -> String {
        self.open
            .last()
            .map(|level| level.path.clone())
            .unwrap_or_default()
    }

    fn truncated(&self) -> ImportError {
        ImportError::Malformed {
            location: self.at(self.open_path(), self.reader.buffer_position()),
            reason: "the file ends inside this element (truncated?)".to_owned(),
        }
    }

    fn syntax(&self, error: &quick_xml::Error) -> ImportError {
        self.syntax_in(error, self.open_path())
    }

    fn syntax_in(&self, error: &quick_xml::Error, path: String) -> ImportError {
        ImportError::Malformed {
            location: self.at(path, self.reader.error_position()),
            reason: error.to_string(),
        }
    }
}

fn local_name(start: &BytesStart<'_>) -> String {
    local_name_str(start).to_owned()
}

fn local_name_str<'s>(start: &'s BytesStart<'_>) -> &'s str {
    let name: &str = start.name().0;
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

fn trim(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) if text.trim().len() == text.len() => Cow::Owned(text),
        Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
    }
}

/// Adds text to an element. The white space that indents child elements is dropped (the lists
/// have no mixed content), white space between entity references is kept.
fn append_text<'a>(element: &mut Element<'a>, text: Cow<'a, str>) {
    let blank = text.trim().is_empty();
    if blank && (element.text.is_empty() || !element.children.is_empty()) {
        return;
    }
    if element.text.is_empty() {
        element.text = text;
    } else {
        element.text.to_mut().push_str(&text);
    }
}

/// The file's text: UTF-8 (the lists' encoding), or the encoding its XML declaration names.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(encoding) = declared_encoding(bytes) {
        if encoding != encoding_rs::UTF_8 {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            return Ok(text);
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(e) => {
            let offset = u64::try_from(e.valid_up_to()).unwrap_or(u64::MAX);
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            Err(ImportError::Malformed {
                location: Location::Offset {
                    path: String::new(),
                    line: line_of(valid, offset),
                    offset,
                },
                reason: "not UTF-8, and the XML declaration names no other encoding".to_owned(),
            })
        }
    }
}

fn declared_encoding(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = bytes.get(..bytes.len().min(200))?;
    let declaration = head.strip_prefix(b"<?xml")?;
    let end = declaration.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&declaration[..end]).ok()?;
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next()?;
    let rest = &after[quote.len_utf8()..];
    let label = &rest[..rest.find(quote)?];
    encoding_rs::Encoding::for_label(label.as_bytes())
}
