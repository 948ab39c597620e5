//! Scratch.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let format: kyc_screening::ListFormat = args[1].parse().unwrap();
    let files: Vec<Vec<u8>> = args[2..].iter().map(|p| std::fs::read(p).unwrap()).collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let t = std::time::Instant::now();
    let v = kyc_lists::import(format, None, &refs);
    let el = t.elapsed();
    match v {
        Ok(v) => {
            let aliases: usize = v.entries.iter().map(|e| e.names.len() - 1).sum();
            println!("{} entries, {} aliases, published {:?}, {:?}", v.entries.len(), aliases, v.published_on, el);
            for e in v.entries.iter().take(2) { println!("{}", serde_json::to_string(e).unwrap()); }
            let no_country = v.entries.iter().filter(|e| e.countries.is_empty()).count();
            println!("without country: {no_country}");
        }
        Err(e) => println!("ERROR {e}"),
    }
}
