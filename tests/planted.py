"""Answer cells shared by the grading tests: a wrong-but-honest corr2d and a stub."""

FLIPPED_CORR2D = '''
import numpy as np

def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)[::-1, ::-1]
    if K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError("kernel larger than image")
    H, W = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return np.array([[np.sum(X[i:i + K.shape[0], j:j + K.shape[1]] * K) for j in range(W)]
                     for i in range(H)])
'''

STUB_CORR2D = '''
def corr2d(X, K):
    raise NotImplementedError
'''

# correct values, but no ValueError for a kernel larger than the image: loses only bad-input points
UNCHECKED_CORR2D = '''
import numpy as np

def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    H, W = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return np.array([[np.sum(X[i:i + K.shape[0], j:j + K.shape[1]] * K)
                      for j in range(max(W, 0))] for i in range(max(H, 0))]).reshape(
        max(H, 0), max(W, 0))
'''
