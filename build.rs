// The migrations are compiled into the binary (`sqlx::migrate!`); without
// this, cargo would not rebuild when a migration file is added or changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
