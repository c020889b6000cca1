//! Filter banks (`librosa.filters`): mel, chroma, DCT.
