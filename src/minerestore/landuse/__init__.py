"""Land-use stage: the land-use classes of an open-pit mining area mapped from one image by semantic segmentation
networks, compared on the same samples and scored as the U-Net+ study did (Chen et al. 2022, IEEE JSTARS;
docs/methods.md, "Land-use mapping of an open-pit mining area").

Modules: :mod:`.classes` (the class table: codes, names, abbreviations, colours), :mod:`.samples` (the image on
its own grid, the labels brought onto it, patches, their 7 : 3 split and the normalisation), :mod:`.network`
(training, the model card, sliding-window prediction of the whole area), :mod:`.scores` (multi-class scores from
the confusion matrix and the study's count of top-two scores).
"""
