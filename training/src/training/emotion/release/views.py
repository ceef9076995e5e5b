"""How a card says its model is served: one pass, or each face with its mirror image averaged. The
card's `val`, CARD.md and the confusion figure beside it follow the view chosen."""

from pathlib import Path

from moodtune_contracts.model_card import ModelCard
from training.emotion import card as card_md
from training.emotion.evaluate import plot_confusion
from training.emotion.layout import CONFUSION


def set_served_view(card_json: Path, *, flip_average: bool) -> ModelCard:
    """Record that the model is served with (or without) flip averaging: `val` becomes that view."""
    card = ModelCard.model_validate_json(card_json.read_bytes())
    view = card.metrics.val_flip_average if flip_average else card.metrics.val_one_pass
    if view is None:
        raise ValueError(f"{card_json}: the card has no PublicTest numbers for that view (an older export)")
    metrics = card.metrics.model_copy(update={"val": view})
    card = card.model_copy(update={"flip_average": flip_average, "metrics": metrics})
    card_json.write_text(card.model_dump_json(indent=2) + "\n")
    card_md.write(card, card_json.parent)
    figure = card_json.parent / CONFUSION
    if figure.exists():  # the figure beside the card shows the view that is served
        title = f"{card.architecture} ({card.preset}), PublicTest, " + (
            "flip average" if flip_average else "one pass"
        )
        plot_confusion(view.model_dump(), figure, title=title)
    return card
