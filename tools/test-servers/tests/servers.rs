//! Each server starts, accepts a client, and is gone after drop.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use bff_test_servers::{PostgresServer, RedisServer};

#[test]
fn postgres_starts_with_the_product_roles_and_stops_on_drop() {
    let server = PostgresServer::start().expect("start PostgreSQL");
    let port = server.port();

    let mut admin = postgres::Client::connect(&server.admin_url(), postgres::NoTls).unwrap();
    let row = admin
        .query_one("SELECT current_user::text, current_database()::text", &[])
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "postgres");
    assert_eq!(row.get::<_, String>(1), PostgresServer::DATABASE);

    // The owner owns the database and can create tables in it.
    let mut owner = postgres::Client::connect(&server.owner_url(), postgres::NoTls).unwrap();
    owner
        .batch_execute("CREATE TABLE t (x BIGINT); INSERT INTO t VALUES (1)")
        .unwrap();

    // The application role logs in, is no superuser and cannot bypass row security, and has no
    // privilege on the owner's table until a migration grants one.
    let mut app = postgres::Client::connect(&server.app_url(), postgres::NoTls).unwrap();
    let row = app
        .query_one(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .unwrap();
    assert!(!row.get::<_, bool>(0), "bff_app must not be a superuser");
    assert!(
        !row.get::<_, bool>(1),
        "bff_app must not bypass row security"
    );
    let denied = app.query("SELECT x FROM t", &[]).unwrap_err();
    assert!(
        denied.to_string().contains("permission denied")
            || format!("{denied:?}").contains("permission denied"),
        "{denied:?}"
    );

    // A wrong password is refused: the URLs' passwords are checked.
    let wrong = server.app_url().replace("bff-test-app", "wrong");
    assert!(postgres::Client::connect(&wrong, postgres::NoTls).is_err());

    drop((admin, owner, app));
    drop(server);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server still listens after drop"
    );
}

#[test]
fn redis_starts_answers_and_stops_on_drop() {
    let server = RedisServer::start().expect("start Redis");
    let port = server.port();
    assert_eq!(server.url(), format!("redis://127.0.0.1:{port}"));

    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    let mut command = |args: &[&str], line: &mut String| {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        writer.write_all(out.as_bytes()).unwrap();
        line.clear();
        reader.read_line(line).unwrap();
    };
    command(&["SET", "greeting", "hello"], &mut line);
    assert_eq!(line, "+OK\r\n");
    command(&["GET", "greeting"], &mut line);
    assert_eq!(line, "$5\r\n");
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "hello\r\n");

    drop(server);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server still listens after drop"
    );
}
