"""Model families behind one interface (:mod:`classify.models.base`)."""
