use super::*;

fn list(text: &str) -> Result<HostList, HostsError> {
    text.parse()
}

fn file(text: &str) -> Result<HostList, HostsError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts");
    std::fs::write(&path, text).unwrap();
    HostList::from_file(&path).map_err(|e| match e {
        HostsError::BadLine { line, problem, .. } => HostsError::BadLine {
            path: "F".into(),
            line,
            problem,
        },
        HostsError::UnknownWord { line, word, .. } => HostsError::UnknownWord {
            path: "F".into(),
            line,
            word,
        },
        HostsError::NoHosts { .. } => HostsError::NoHosts { path: "F".into() },
        other => other,
    })
}

#[test]
fn a_list_gives_each_host_its_slots_and_rank_0_the_first() {
    let hosts = list("h1:2,h2:3,h3").unwrap();
    assert_eq!(hosts.first_host(), "h1");
    assert_eq!(hosts.ranks(), 6);
    assert_eq!(hosts.joined(), "h1:2,h2:3,h3:1");
    assert_eq!(
        hosts.launcher_args(LauncherKind::Hydra),
        ["-hosts", "h1:2,h2:3,h3:1"]
    );
    assert_eq!(
        hosts.launcher_args(LauncherKind::OpenMpi),
        ["--host", "h1:2,h2:3,h3:1"]
    );
}

#[test]
fn a_list_refuses_what_places_no_rank() {
    assert_eq!(list("h1:0"), Err(HostsError::NoSlots("h1:0".into())));
    assert_eq!(list(":2"), Err(HostsError::NoName(":2".into())));
    assert_eq!(list("h1:two"), Err(HostsError::BadSlots("h1:two".into())));
    assert_eq!(list("h1:-1"), Err(HostsError::BadSlots("h1:-1".into())));
    assert_eq!(list("h1,,h2"), Err(HostsError::EmptyEntry));
    assert_eq!(list(""), Err(HostsError::EmptyEntry));
    let said = list("h1:0").unwrap_err().to_string();
    assert!(
        said.starts_with("'h1:0': a host takes at least one rank"),
        "{said}"
    );
}

#[test]
fn a_hostfile_may_be_written_either_mpis_way() {
    let text = "# the lab\nh1:2\n\nh2 slots=3   # the big one\n  h3\n";
    let hosts = file(text).unwrap();
    assert_eq!(hosts.joined(), "h1:2,h2:3,h3:1");
    assert_eq!(hosts.ranks(), 6);
}

#[test]
fn a_hostfile_says_which_line_is_wrong() {
    let bad = file("h1:2\nh2 slots=0\n").unwrap_err();
    assert_eq!(
        bad.to_string(),
        "hostfile F, line 2: 'slots=0': a host takes at least one rank (write HOST:SLOTS with SLOTS 1 or more)"
    );
    let unknown = file("h1 cpus=2\n").unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "hostfile F, line 1: 'cpus=2' is not understood (write h1:2 or h1 slots=2)"
    );
    assert_eq!(
        file("# nobody\n\n"),
        Err(HostsError::NoHosts { path: "F".into() })
    );
}

#[test]
fn a_missing_hostfile_is_named() {
    let e = HostList::from_file(Path::new("/no/such/hostfile")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("hostfile /no/such/hostfile: cannot read it:"),
        "{e}"
    );
}

#[test]
fn a_list_given_wins_over_nothing_and_a_file_is_read() {
    assert_eq!(given(None, None), Ok(None));
    let hosts = list("h1:2").unwrap();
    assert_eq!(given(Some(&hosts), None), Ok(Some(hosts)));
    let missing = PathBuf::from("/no/such/hostfile");
    assert!(given(None, Some(&missing)).is_err());
}
