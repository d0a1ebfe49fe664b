//! Reads an XSD (with its includes and imports) into the generator's model: simple types with
//! their accumulated facets, complex types as particle trees, and the root elements.

use std::collections::BTreeMap;
use std::path::Path;

use roxmltree::{Document, Node};

pub const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// The value space a simple type maps to in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    Str,
    Decimal,
    Integer,
    Date,
    DateTime,
}

/// Whitespace processing before facets apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ws {
    Preserve,
    Replace,
    Collapse,
}

/// A simple type with every facet accumulated along its derivation chain.
#[derive(Debug, Clone)]
pub struct Simple {
    /// Name of the XSD type (`None` for anonymous types).
    pub name: Option<String>,
    pub doc: Option<String>,
    pub prim: Prim,
    pub ws: Ws,
    /// Enumerated values with their documentation (most derived restriction that has any).
    pub enums: Vec<(String, Option<String>)>,
    /// One entry per derivation step; a value must match one alternative of every step.
    pub patterns: Vec<Vec<String>>,
    pub length: Option<u32>,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub total_digits: Option<u32>,
    pub fraction_digits: Option<u32>,
    pub min_inclusive: Vec<String>,
    pub max_inclusive: Vec<String>,
    pub min_exclusive: Vec<String>,
    pub max_exclusive: Vec<String>,
    /// Name of the named type that defined the enumeration (one Rust enum per such type).
    pub enum_origin: Option<String>,
}

impl Simple {
    fn builtin(local: &str) -> Result<Self, String> {
        let (prim, ws) = match local {
            "string" | "anyURI" => (Prim::Str, Ws::Preserve),
            "normalizedString" => (Prim::Str, Ws::Replace),
            "token" | "gYear" => (Prim::Str, Ws::Collapse),
            "decimal" => (Prim::Decimal, Ws::Collapse),
            "integer" | "int" | "long" | "short" | "byte" | "nonNegativeInteger"
            | "positiveInteger" => (Prim::Integer, Ws::Collapse),
            "date" => (Prim::Date, Ws::Collapse),
            "dateTime" => (Prim::DateTime, Ws::Collapse),
            other => return Err(format!("unsupported XSD built-in type xsd:{other}")),
        };
        let mut s = Simple {
            name: None,
            doc: None,
            prim,
            ws,
            enums: Vec::new(),
            patterns: Vec::new(),
            length: None,
            min_length: None,
            max_length: None,
            total_digits: None,
            fraction_digits: None,
            min_inclusive: Vec::new(),
            max_inclusive: Vec::new(),
            min_exclusive: Vec::new(),
            max_exclusive: Vec::new(),
            enum_origin: None,
        };
        let bounds: Option<(&str, &str)> = match local {
            "int" => Some(("-2147483648", "2147483647")),
            "short" => Some(("-32768", "32767")),
            "byte" => Some(("-128", "127")),
            "long" => Some(("-9223372036854775808", "9223372036854775807")),
            _ => None,
        };
        if let Some((lo, hi)) = bounds {
            s.min_inclusive.push(lo.into());
            s.max_inclusive.push(hi.into());
        }
        match local {
            "nonNegativeInteger" => s.min_inclusive.push("0".into()),
            "positiveInteger" => s.min_inclusive.push("1".into()),
            "gYear" => s
                .patterns
                .push(vec![r"-?\d{4,}(Z|[+\-]\d{2}:\d{2})?".into()]),
            _ => {}
        }
        Ok(s)
    }
}

/// What an element holds.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // a generator-time model; boxing buys nothing
pub enum TypeRef {
    Simple(Simple),
    /// Index into [`Schema::complex`].
    Complex(usize),
}

#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    pub doc: Option<String>,
    pub ty: TypeRef,
    pub fixed: Option<String>,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Term {
    Element(Element),
    Sequence(Vec<Particle>),
    Choice(Vec<Particle>),
}

#[derive(Debug, Clone)]
pub struct Particle {
    pub term: Term,
    pub min: u32,
    /// `None` = unbounded.
    pub max: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub doc: Option<String>,
    pub ty: Simple,
    pub required: bool,
    pub fixed: Option<String>,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Content {
    /// Element content: the particles of the outermost sequence, in order.
    Elements(Vec<Particle>),
    /// Text content of a simple type (simpleContent).
    Text(Simple),
}

#[derive(Debug, Clone)]
pub struct Complex {
    /// XSD name for named types, the element name for anonymous ones.
    pub name: String,
    pub named: bool,
    /// Name of the element owning an anonymous type.
    pub owner: Option<String>,
    pub doc: Option<String>,
    pub attrs: Vec<Attribute>,
    pub content: Content,
}

/// The whole schema: complex types (named and anonymous) and the root element.
#[derive(Debug)]
pub struct Schema {
    pub complex: Vec<Complex>,
    pub root: Element,
    pub target_ns: String,
    /// Prefix → namespace of the main schema (`etd` etc.), for the written root element.
    pub namespaces: Vec<(String, String)>,
}

struct Loader<'a, 'i> {
    docs: &'a [Document<'i>],
    simple_named: BTreeMap<(String, String), Node<'a, 'i>>,
    complex_named: BTreeMap<(String, String), Node<'a, 'i>>,
    complex: Vec<Complex>,
    complex_index: BTreeMap<(String, String), usize>,
}

fn is_xs(n: &Node<'_, '_>, local: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(XS) && n.tag_name().name() == local
}

fn xs_children<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children()
        .filter(|c| c.is_element() && c.tag_name().namespace() == Some(XS))
        .filter(|c| c.tag_name().name() != "annotation")
}

pub fn doc_of(n: Node<'_, '_>) -> Option<String> {
    let ann = n.children().find(|c| is_xs(c, "annotation"))?;
    let text: Vec<String> = ann
        .children()
        .filter(|c| is_xs(c, "documentation"))
        .filter_map(|d| d.text())
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
        .collect();
    (!text.is_empty()).then(|| text.join(" "))
}

fn qname(n: Node<'_, '_>, value: &str) -> Result<(String, String), String> {
    let (prefix, local) = match value.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, value),
    };
    let ns = n
        .lookup_namespace_uri(prefix)
        .ok_or_else(|| format!("unknown namespace prefix in {value:?}"))?;
    Ok((ns.to_owned(), local.to_owned()))
}

fn occurs(n: Node<'_, '_>) -> Result<(u32, Option<u32>), String> {
    let min = match n.attribute("minOccurs") {
        Some(v) => v.parse().map_err(|_| format!("bad minOccurs {v:?}"))?,
        None => 1,
    };
    let max = match n.attribute("maxOccurs") {
        Some("unbounded") => None,
        Some(v) => Some(v.parse().map_err(|_| format!("bad maxOccurs {v:?}"))?),
        None => Some(1),
    };
    Ok((min, max))
}

fn facet_u32(f: Node<'_, '_>) -> Result<u32, String> {
    let v = f.attribute("value").unwrap_or_default();
    v.parse()
        .map_err(|_| format!("bad facet value {v:?} on {}", f.tag_name().name()))
}

fn tighter(old: Option<u32>, new: u32, keep_min: bool) -> Option<u32> {
    Some(match old {
        Some(o) if keep_min => o.min(new),
        Some(o) => o.max(new),
        None => new,
    })
}

impl<'a, 'i> Loader<'a, 'i> {
    fn simple_named(&self, ns: &str, local: &str) -> Result<Simple, String> {
        if ns == XS {
            return Simple::builtin(local);
        }
        let node = *self
            .simple_named
            .get(&(ns.to_owned(), local.to_owned()))
            .ok_or_else(|| format!("simple type {{{ns}}}{local} not found"))?;
        let mut s = self.simple(node)?;
        s.name = Some(local.to_owned());
        if !s.enums.is_empty() && s.enum_origin.is_none() {
            s.enum_origin = Some(local.to_owned());
        }
        Ok(s)
    }

    /// Resolves a `simpleType` node.
    fn simple(&self, st: Node<'a, 'i>) -> Result<Simple, String> {
        let doc = doc_of(st);
        if let Some(r) = xs_children(st).find(|c| is_xs(c, "restriction")) {
            let mut s = self.restriction_base(r)?;
            self.apply_facets(&mut s, r)?;
            s.name = None;
            s.doc = doc.or(s.doc);
            return Ok(s);
        }
        if let Some(u) = xs_children(st).find(|c| is_xs(c, "union")) {
            let mut members = Vec::new();
            if let Some(list) = u.attribute("memberTypes") {
                for m in list.split_whitespace() {
                    let (ns, l) = qname(u, m)?;
                    members.push(self.simple_named(&ns, &l)?);
                }
            }
            for m in xs_children(u).filter(|c| is_xs(c, "simpleType")) {
                members.push(self.simple(m)?);
            }
            let first = members.first().cloned().ok_or("empty union")?;
            if members.iter().any(|m| {
                m.prim != Prim::Str
                    || m.patterns.len() != 1
                    || !m.enums.is_empty()
                    || m.min_length.is_some()
                    || m.max_length.is_some()
                    || m.length.is_some()
            }) {
                return Err("only unions of single-pattern string types are supported".into());
            }
            let mut s = first;
            s.patterns = vec![members.iter().flat_map(|m| m.patterns[0].clone()).collect()];
            s.doc = doc;
            s.name = None;
            return Ok(s);
        }
        Err("simpleType without restriction or union".into())
    }

    fn restriction_base(&self, r: Node<'a, 'i>) -> Result<Simple, String> {
        if let Some(base) = r.attribute("base") {
            let (ns, local) = qname(r, base)?;
            self.simple_named(&ns, &local)
        } else if let Some(st) = xs_children(r).find(|c| is_xs(c, "simpleType")) {
            self.simple(st)
        } else {
            Err("restriction without a base".into())
        }
    }

    fn apply_facets(&self, s: &mut Simple, r: Node<'a, 'i>) -> Result<(), String> {
        let mut patterns = Vec::new();
        let mut enums = Vec::new();
        for f in xs_children(r) {
            let value = f.attribute("value").unwrap_or_default().to_owned();
            match f.tag_name().name() {
                "simpleType" => {}
                "pattern" => patterns.push(value),
                "enumeration" => enums.push((value, doc_of(f))),
                "length" => s.length = Some(facet_u32(f)?),
                "minLength" => s.min_length = tighter(s.min_length, facet_u32(f)?, false),
                "maxLength" => s.max_length = tighter(s.max_length, facet_u32(f)?, true),
                "totalDigits" => s.total_digits = tighter(s.total_digits, facet_u32(f)?, true),
                "fractionDigits" => {
                    s.fraction_digits = tighter(s.fraction_digits, facet_u32(f)?, true)
                }
                "minInclusive" => s.min_inclusive.push(value),
                "maxInclusive" => s.max_inclusive.push(value),
                "minExclusive" => s.min_exclusive.push(value),
                "maxExclusive" => s.max_exclusive.push(value),
                "whiteSpace" => {
                    s.ws = match value.as_str() {
                        "preserve" => Ws::Preserve,
                        "replace" => Ws::Replace,
                        _ => Ws::Collapse,
                    }
                }
                other => return Err(format!("unsupported facet xsd:{other}")),
            }
        }
        if !patterns.is_empty() {
            s.patterns.push(patterns);
        }
        if !enums.is_empty() {
            s.enums = enums;
            s.enum_origin = None;
        }
        Ok(())
    }

    fn complex_named(&mut self, ns: &str, local: &str) -> Result<usize, String> {
        let key = (ns.to_owned(), local.to_owned());
        if let Some(&i) = self.complex_index.get(&key) {
            return Ok(i);
        }
        let node = *self
            .complex_named
            .get(&key)
            .ok_or_else(|| format!("complex type {{{ns}}}{local} not found"))?;
        let c = self.complex(node, local, true, None)?;
        self.complex.push(c);
        let i = self.complex.len() - 1;
        self.complex_index.insert(key, i);
        Ok(i)
    }

    fn complex(
        &mut self,
        ct: Node<'a, 'i>,
        name: &str,
        named: bool,
        owner: Option<&str>,
    ) -> Result<Complex, String> {
        let mut c = Complex {
            name: name.to_owned(),
            named,
            owner: owner.map(str::to_owned),
            doc: doc_of(ct),
            attrs: Vec::new(),
            content: Content::Elements(Vec::new()),
        };
        for child in xs_children(ct) {
            match child.tag_name().name() {
                "sequence" | "choice" => {
                    let p = self.particle(child, name)?;
                    c.content = Content::Elements(match p.term {
                        Term::Sequence(items) if p.min == 1 && p.max == Some(1) => items,
                        _ => vec![p],
                    });
                }
                "attribute" => c.attrs.push(self.attribute(child)?),
                "simpleContent" | "complexContent" => {
                    let ext = xs_children(child)
                        .find(|e| is_xs(e, "extension"))
                        .ok_or("only extension is supported in simple/complexContent")?;
                    let (ns, local) = qname(ext, ext.attribute("base").unwrap_or_default())?;
                    if child.tag_name().name() == "simpleContent" {
                        c.content = Content::Text(self.simple_named(&ns, &local)?);
                    } else {
                        let base = self.complex_named(&ns, &local)?;
                        let base = self.complex[base].clone();
                        c.content = base.content;
                        c.attrs = base.attrs;
                        if c.doc.is_none() {
                            c.doc = base.doc;
                        }
                    }
                    for e in xs_children(ext) {
                        match e.tag_name().name() {
                            "attribute" => c.attrs.push(self.attribute(e)?),
                            other => {
                                return Err(format!(
                                    "unsupported xsd:{other} in extension of {name}"
                                ));
                            }
                        }
                    }
                }
                other => return Err(format!("unsupported xsd:{other} in complex type {name}")),
            }
        }
        Ok(c)
    }

    fn attribute(&self, a: Node<'a, 'i>) -> Result<Attribute, String> {
        let name = a
            .attribute("name")
            .ok_or("attribute without name")?
            .to_owned();
        let ty = if let Some(t) = a.attribute("type") {
            let (ns, local) = qname(a, t)?;
            self.simple_named(&ns, &local)?
        } else if let Some(st) = xs_children(a).find(|c| is_xs(c, "simpleType")) {
            self.simple(st)?
        } else {
            Simple::builtin("string")?
        };
        Ok(Attribute {
            name,
            doc: doc_of(a),
            ty,
            required: a.attribute("use") == Some("required"),
            fixed: a.attribute("fixed").map(str::to_owned),
        })
    }

    fn particle(&mut self, n: Node<'a, 'i>, owner: &str) -> Result<Particle, String> {
        let (min, max) = occurs(n)?;
        let term = match n.tag_name().name() {
            "element" => Term::Element(self.element(n, owner)?),
            "sequence" | "choice" => {
                let mut items = Vec::new();
                for c in xs_children(n) {
                    items.push(self.particle(c, owner)?);
                }
                if n.tag_name().name() == "sequence" {
                    Term::Sequence(items)
                } else {
                    Term::Choice(items)
                }
            }
            other => return Err(format!("unsupported particle xsd:{other} in {owner}")),
        };
        Ok(Particle { term, min, max })
    }

    fn element(&mut self, n: Node<'a, 'i>, owner: &str) -> Result<Element, String> {
        if n.attribute("ref").is_some() {
            return Err(format!("element references are not supported (in {owner})"));
        }
        let name = n
            .attribute("name")
            .ok_or("element without a name")?
            .to_owned();
        let ty = if let Some(t) = n.attribute("type") {
            let (ns, local) = qname(n, t)?;
            if ns == XS || self.simple_named.contains_key(&(ns.clone(), local.clone())) {
                TypeRef::Simple(self.simple_named(&ns, &local)?)
            } else {
                TypeRef::Complex(self.complex_named(&ns, &local)?)
            }
        } else if let Some(st) = xs_children(n).find(|c| is_xs(c, "simpleType")) {
            TypeRef::Simple(self.simple(st)?)
        } else if let Some(ct) = xs_children(n).find(|c| is_xs(c, "complexType")) {
            let c = self.complex(ct, &name, false, Some(owner))?;
            self.complex.push(c);
            TypeRef::Complex(self.complex.len() - 1)
        } else {
            TypeRef::Simple(Simple::builtin("string")?)
        };
        Ok(Element {
            doc: doc_of(n),
            fixed: n.attribute("fixed").map(str::to_owned),
            name,
            ty,
        })
    }
}

/// Reads the schema file and every file it includes or imports (looked up by file name in the
/// schema's directory and its `bazowe/` subdirectory, since imports name remote locations).
pub fn load_texts(main: &Path) -> Result<Vec<(String, String)>, String> {
    let dir = main.parent().unwrap_or(Path::new("."));
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut queue = vec![main.to_path_buf()];
    while let Some(path) = queue.pop() {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if texts.iter().any(|(f, _)| *f == file) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc = Document::parse(&text).map_err(|e| format!("{file}: {e}"))?;
        for inc in doc
            .root_element()
            .children()
            .filter(|c| is_xs(c, "include") || is_xs(c, "import"))
        {
            let loc = inc.attribute("schemaLocation").unwrap_or_default();
            let name = loc.rsplit('/').next().unwrap_or(loc);
            let candidates = [
                path.parent().unwrap_or(dir).join(name),
                dir.join(name),
                dir.join("bazowe").join(name),
            ];
            let found = candidates
                .iter()
                .find(|p| p.exists())
                .ok_or_else(|| format!("{file}: cannot find the schema {name} it includes"))?;
            queue.push(found.clone());
        }
        texts.push((file, text));
    }
    Ok(texts)
}

/// Builds the schema model from the loaded texts (the first is the main schema).
pub fn build(texts: &[(String, String)]) -> Result<Schema, String> {
    let docs: Vec<Document<'_>> = texts
        .iter()
        .map(|(f, t)| Document::parse(t).map_err(|e| format!("{f}: {e}")))
        .collect::<Result<_, _>>()?;
    let mut loader = Loader {
        docs: &docs,
        simple_named: BTreeMap::new(),
        complex_named: BTreeMap::new(),
        complex: Vec::new(),
        complex_index: BTreeMap::new(),
    };
    for doc in loader.docs {
        let root = doc.root_element();
        let ns = root
            .attribute("targetNamespace")
            .unwrap_or_default()
            .to_owned();
        for c in root.children().filter(|c| c.is_element()) {
            let Some(name) = c.attribute("name") else {
                continue;
            };
            let key = (ns.clone(), name.to_owned());
            if is_xs(&c, "simpleType") {
                loader.simple_named.insert(key, c);
            } else if is_xs(&c, "complexType") {
                loader.complex_named.insert(key, c);
            }
        }
    }
    let main = docs[0].root_element();
    let target_ns = main
        .attribute("targetNamespace")
        .unwrap_or_default()
        .to_owned();
    let namespaces = main
        .namespaces()
        .filter_map(|n| n.name().map(|p| (p.to_owned(), n.uri().to_owned())))
        .filter(|(p, u)| u != XS && p != "tns" && p != "xml")
        .collect();
    let root_el = main
        .children()
        .find(|c| is_xs(c, "element"))
        .ok_or("the schema has no root element")?;
    let root = loader.element(root_el, "")?;
    Ok(Schema {
        complex: loader.complex,
        root,
        target_ns,
        namespaces,
    })
}
