"""The course's Keras model, ported to tinygrad_moons by changing only its imports.

The code between the two "seed" markers is the course's appendix (cells 5 and
the Keras visualisation cell), unchanged except for the imports; its
plotting callback is reduced to a progress line (the pictures are made by
``tinygrad_moons.viz``). The data is scikit-learn's moons, split 80/20.

Run: ``python examples/keras_style.py``
"""

# The course's code is kept as written (its import order and quotes): no reformatting.
# ruff: noqa: E402, F811, I001

import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)

# ----------------------------------------------------------------- seed
# fmt: off
# importing the Neural Network packages
import numpy as np
from tinygrad_moons.nn import Sequential  # was: from keras.models import Sequential
from tinygrad_moons.nn import Dense  # was: from keras.layers import Dense

# initializing the same NN
model = Sequential()
model.add(Dense(25, input_dim=2, activation='relu'))
model.add(Dense(50, activation='relu'))
model.add(Dense(50, activation='relu'))
model.add(Dense(25, activation='relu'))
model.add(Dense(25, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='sgd', metrics='accuracy')

import tinygrad_moons.nn as keras  # was: import keras

# initializing the grid
some_grid = np.mgrid[-1.5:2.5:100j, -1:2:100j]


# visualizations for the Keras NN (the course project saved a plot here; we print one line every 5 epochs)
def keras_viz(epoch, logs):
    title = f"Keras NN - It: {epoch + 1:02}"
    pred_prob = model.predict_proba(some_grid.reshape(2, -1).T, batch_size=32, verbose=0)
    if (epoch + 1) % 5 == 0:
        print(title, "- loss {:.4f} - accuracy {:.3f} - grid share of class 1: {:.2f}".format(
            logs["loss"], logs["accuracy"], float(np.mean(pred_prob > 0.5))))


keras_visual = keras.callbacks.LambdaCallback(on_epoch_end=keras_viz)
model.fit(X_train, y_train, epochs=45, verbose=0, callbacks=[keras_visual])
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f'Testing Accuracy: {round(accuracy*100, 3)} \nCross-Entropy Loss: {round(loss, 3)}')
# fmt: on
# ------------------------------------------------------------- end seed

model.summary()
