use rhetor_encoder::{fetch, Encoder};
use std::path::Path;
use std::time::Instant;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let dir = Path::new(&dir);
    fetch::fetch(dir, Some(Path::new("/work/scratch-enc")), &|s| {
        eprintln!("{s}")
    })
    .unwrap();
    let t = Instant::now();
    let e = Encoder::load(dir).unwrap();
    eprintln!("load {:?}", t.elapsed());
    for s in ["Hello world", "Привет, мир!", "Γειά σου Κόσμε", "გამარჯობა"]
    {
        eprintln!("{s}: {:?}", e.token_ids(s));
    }
    let texts = [
        "The cat sits on the mat.",
        "Le chat est assis sur le tapis.",
        "Stock markets fell sharply on Monday.",
        "Die Katze sitzt auf der Matte.",
    ];
    let v = e.embed(&texts);
    for i in 0..4 {
        for j in 0..4 {
            let d: f32 = v[i].iter().zip(&v[j]).map(|(a, b)| a * b).sum();
            eprint!("{d:.3} ");
        }
        eprintln!();
    }
    eprintln!("{:?}", &v[0][..8]);
}
