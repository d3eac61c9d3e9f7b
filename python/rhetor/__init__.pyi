import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import pyarrow

__version__: str

Article = Union[str, Dict[str, Any]]

class Analyzer:
    def __init__(self, model: str = "auto", encoder_dir: Optional[str] = None, evidence: str = "balanced") -> None: ...
    def load(self) -> str: ...
    @property
    def model(self) -> str: ...
    def analyze(self, text: str, title: Optional[str] = None, id: Optional[str] = None) -> Dict[str, Any]: ...
    def analyze_many(self, articles: Iterable[Article], batch_size: int = 1024) -> List[Dict[str, Any]]: ...
    def analyze_arrow(
        self,
        data: Any,
        text_column: str = "text",
        title_column: Optional[str] = None,
        id_column: Optional[str] = "id",
        keep: Sequence[str] = (),
    ) -> pyarrow.Table: ...

def labels() -> Dict[str, Any]: ...
def output_schema() -> pyarrow.Schema: ...
def extract(
    html_or_path: Union[str, bytes, os.PathLike[str], Sequence[Union[str, os.PathLike[str]]]],
    keep_going: bool = False,
) -> List[Dict[str, Any]]: ...
