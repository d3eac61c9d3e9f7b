//! SemEval-2023 Task 3 rows, written from documents.

use rhetor_core::Document;
pub use rhetor_core::Task;
use std::fmt;
use std::io::{self, Write};

fn join<T: fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|t| t.to_string()).collect::<Vec<_>>().join(",")
}

/// Writes one document's rows for `task`. A document without a genre writes
/// no genre row; every other task writes a row per unit even when unlabeled,
/// as the official templates do.
pub fn write_rows<W: Write>(w: &mut W, task: Task, doc: &Document) -> io::Result<()> {
    match task {
        Task::Genre => {
            if let Some(g) = &doc.genre {
                writeln!(w, "{}\t{}", doc.id, g.label)?;
            }
        }
        Task::Frames => writeln!(
            w,
            "{}\t{}",
            doc.id,
            join(doc.frames.iter().map(|f| f.label))
        )?,
        Task::Techniques => {
            for p in &doc.paragraphs {
                writeln!(
                    w,
                    "{}\t{}\t{}",
                    doc.id,
                    p.line,
                    join(p.techniques.iter().map(|t| t.label))
                )?;
            }
        }
        Task::Spans => {
            for s in &doc.spans {
                writeln!(w, "{}\t{}\t{}\t{}", doc.id, s.technique, s.start, s.end)?;
            }
        }
    }
    Ok(())
}

/// Writes the rows of every document for `task`.
pub fn write_all<'d, W: Write>(
    w: &mut W,
    task: Task,
    docs: impl IntoIterator<Item = &'d Document>,
) -> io::Result<()> {
    for doc in docs {
        write_rows(w, task, doc)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Source;
    use crate::labels;
    use rhetor_core::{Frame, Genre, GenreScores, OffsetMap, Scored, Technique};

    fn sample() -> Document {
        let mut d = Document::from_text("7", "Title\n\nOne «aider».\n\nTwo\n");
        d.genre = Some(GenreScores::certain(Genre::Opinion));
        d.frames = vec![
            Scored::new(Frame::Political, 0.9),
            Scored::new(Frame::Economic, 0.6),
        ];
        d.paragraphs[1].techniques = vec![
            Scored::new(Technique::LoadedLanguage, 0.8),
            Scored::new(Technique::Doubt, 0.7),
        ];
        let map = OffsetMap::new(&d.text);
        d.add_span(&map, Technique::LoadedLanguage, 12, 17, 0.8);
        d
    }

    fn out(task: Task, d: &Document) -> String {
        let mut v = Vec::new();
        write_rows(&mut v, task, d).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn rows_match_the_official_templates() {
        let d = sample();
        assert_eq!(out(Task::Genre, &d), "7\topinion\n");
        assert_eq!(out(Task::Frames, &d), "7\tPolitical,Economic\n");
        assert_eq!(
            out(Task::Techniques, &d),
            "7\t1\t\n7\t3\tLoaded_Language,Doubt\n7\t5\t\n"
        );
        assert_eq!(out(Task::Spans, &d), "7\tLoaded_Language\t12\t17\n");
        assert_eq!(d.spans[0].text, "aider");
    }

    #[test]
    fn written_rows_read_back_identically() {
        let d = sample();
        let s = Source::file("x");
        let g = labels::parse_genres(&s, &out(Task::Genre, &d)).unwrap();
        assert_eq!(g[0].genre, Genre::Opinion);
        let f = labels::parse_frames(&s, &out(Task::Frames, &d)).unwrap();
        assert_eq!(f[0].frames, vec![Frame::Political, Frame::Economic]);
        let t = labels::parse_techniques(&s, &out(Task::Techniques, &d)).unwrap();
        assert_eq!(t.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 3, 5]);
        assert_eq!(
            t[1].techniques,
            vec![Technique::LoadedLanguage, Technique::Doubt]
        );
        let sp = labels::parse_spans(&s, &out(Task::Spans, &d)).unwrap();
        assert_eq!((sp[0].start, sp[0].end), (12, 17));
    }

    #[test]
    fn tasks_parse_from_their_names() {
        for t in Task::ALL {
            assert_eq!(t.as_str().parse::<Task>().unwrap(), t);
        }
        assert!("span".parse::<Task>().is_err());
    }
}
