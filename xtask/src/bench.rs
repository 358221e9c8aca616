pub fn run(
    _root: &std::path::Path,
    _python: &std::path::Path,
    _sizes: &[usize],
) -> anyhow::Result<()> {
    anyhow::bail!("bench is not built yet")
}
