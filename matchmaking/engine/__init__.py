"""The pure matchmaking engine: no Django, only the standard library, numpy, scipy, scikit-learn and
numba. Import from the modules (nothing is re-exported here, so that the package's
attributes never hide a module such as ``recommend``):

- ``types``: Session, Opportunity, Participant, Geography (inputs); Rec, Recommendations (output)
- ``recommend``: recommend(), the algorithm's description
- ``model``: Weights, FEATURES, FLOOR, RELEVANCE_FLOOR, context (relevance × context, docs/relevance.md)
- ``learn``: Example, fit_weights, held_out, ndcg_of, should_promote
- ``evaluate``: evaluate, Metrics, ndcg_at_k
- ``baseline``: plain_tfidf (the baseline every labelled set is measured against)
- ``filters``: qualifying_sessions (the plain-Python reference of the hard filters)
"""
