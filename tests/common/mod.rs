pub mod pty;
pub mod screen;
