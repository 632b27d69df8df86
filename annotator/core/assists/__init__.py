"""Assisted outlining: machine help for an outline, answered as editable polygon parts.

Pure algorithms on pixels (numpy arrays) in, `geometry.Part`s out: GrabCut from a box (grabcut.py), intelligent
scissors along clicked points (scissors.py), and a Segment Anything model the user brings as ONNX files
(model.py). picture.py reads an image at working scale and turns masks and paths back into parts; cache.py keeps
what each image's preparation costs, per image.
"""
