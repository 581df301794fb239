use super::*;

#[test]
fn names_follow_the_index_rules() {
    for &(name, ok) in NAME_CASES {
        assert_eq!(validate_name(name).is_ok(), ok, "{name:?}");
    }
}

#[test]
fn namespaces_follow_the_index_rules() {
    for &(namespace, ok) in NAMESPACE_CASES {
        assert_eq!(validate_namespace(namespace).is_ok(), ok, "{namespace:?}");
    }
}

/// `plux_runtime::__private::check_name` and `check_namespace`, the `const fn`s that check
/// a namespace or name given as a `const` when the crate compiles, keep these rules: all of
/// the name rules; of the namespace rules the ASCII ones and the bidirectional controls
/// (other non-ASCII characters are left to `cargo plux`).
#[cfg(feature = "cli")]
#[test]
fn the_runtime_const_checks_agree() {
    use plux_runtime::__private::{check_name, check_namespace};
    for &(name, ok) in NAME_CASES {
        assert_eq!(check_name(name).is_ok(), ok, "{name:?}");
    }
    for &(namespace, ok) in NAMESPACE_CASES {
        let left_to_cargo_plux = namespace
            .chars()
            .any(|c| !c.is_ascii() && !c.is_alphanumeric() && !is_bidi_control(c));
        if !left_to_cargo_plux {
            assert_eq!(check_namespace(namespace).is_ok(), ok, "{namespace:?}");
        }
    }
}

#[test]
fn hostile_text_is_escaped_in_messages() {
    for err in [
        validate_name("a\u{1b}[31m").unwrap_err(),
        validate_name("ab\u{202e}cd").unwrap_err(),
        validate_namespace("a\u{1b}[31m").unwrap_err(),
        validate_namespace("ab\u{202e}cd").unwrap_err(),
        validate_value("ls::X\u{1b}[31m", Root::AnyCrate).unwrap_err(),
        validate_cfg("unix\u{1b}[31m").unwrap_err(),
    ] {
        assert!(!err.contains(['\u{1b}', '\u{202e}']), "{err}");
    }
}

#[test]
fn values_are_plain_paths_of_the_declaring_crate() {
    for good in ["ls::a::S3", "ls::r#type::X", "r#ls::X", "ls::über::X"] {
        assert_eq!(validate_value(good, Root::Crate("ls")), Ok(()), "{good:?}");
        assert_eq!(validate_value(good, Root::AnyCrate), Ok(()), "{good:?}");
    }
    for bad in [
        "",
        "ls",
        "ls::",
        "::ls::X",
        "ls::X<u8>",
        "ls::super::X",
        "ls::self::X",
        "ls::fn",
        "ls::r#crate::X",
        "ls::X; fn evil() {}",
        "ls::X /* */",
        "ls :: X",
        "ls::X\n",
        "ls::X[type]",
        "ls::_::X",
    ] {
        assert!(
            validate_value(bad, Root::AnyCrate).is_err(),
            "{bad:?} was accepted"
        );
    }
}

#[test]
fn the_first_segment_is_checked_against_the_root() {
    assert!(validate_value("other::X", Root::Crate("ls")).is_err());
    assert!(validate_value("crate::X", Root::Crate("ls")).is_err());
    assert!(validate_value("crate::X", Root::AnyCrate).is_err());
    assert!(validate_value("crate::a::X", Root::SelfCrate).is_ok());
    assert!(validate_value("ls::X", Root::SelfCrate).is_err());
    assert!(validate_value("crate::crate::X", Root::SelfCrate).is_err());
    assert!(validate_value("crate", Root::SelfCrate).is_err());
}

#[test]
fn crate_names_are_identifiers() {
    assert!(validate_crate_name("my_crate").is_ok());
    for bad in ["", "my-crate", "fn", "r#x", "a::b", "a b"] {
        assert!(validate_crate_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn gates_are_predicates_or_macro_paths() {
    for good in [
        "unix",
        "macro(cfg_rt)",
        "macro(crate::cfg_net)",
        "macro(r#type)",
    ] {
        assert_eq!(validate_gate(good), Ok(()), "{good:?}");
    }
    for bad in [
        "macro()",
        "macro(a::)",
        "macro(::a)",
        "macro(a b)",
        "macro(a)) evil((",
        "macro(1a)",
        "macro(a\u{1b})",
        "cfg(unix)",
    ] {
        let err = validate_gate(bad).unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}

#[test]
fn cfg_predicates_are_what_rustc_accepts() {
    for good in [
        "unix",
        "feature = \"x\"",
        "all(unix, not(test))",
        "any()",
        "all(true, not(false))",
        "true",
        "target_os = \"linux\"",
    ] {
        assert_eq!(validate_cfg(good), Ok(()), "{good:?}");
    }
    for bad in [
        "",
        "feature = ",
        "feature = 1",
        "foo(bar)",
        "not(a, b)",
        "a::b",
        "unix)); evil((",
        "all(unix",
    ] {
        assert!(validate_cfg(bad).is_err(), "{bad:?} was accepted");
    }
}

#[test]
fn canonical_cfg_is_spelled_the_way_people_write_it() {
    for (input, canonical) in [
        ("unix", "unix"),
        ("all ( unix ,not( test ) , )", "all(unix, not(test))"),
        ("feature=r#\"x\"#", "feature = \"x\""),
        ("any(/* c */ a, // c\n b)", "any(a, b)"),
        ("feature = \"\\u{1b}[31m\"", "feature = \"\\u{1b}[31m\""),
        ("any()", "any()"),
    ] {
        let out = canonical_cfg(input).unwrap();
        assert_eq!(out, canonical, "{input:?}");
        assert_eq!(
            canonical_cfg(&out).unwrap(),
            out,
            "not a fixed point: {out:?}"
        );
    }
}
