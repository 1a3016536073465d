#!/usr/bin/python3
"""Writes the lesson notebooks (German and English) from one list of cells.

Why a generator: the two notebooks must stay the same lesson, cell by cell,
with the same C code.  Each cell below is either shared (code) or given in
both languages ({"de": ..., "en": ...}); running this script rewrites
lektion-klassifikation.ipynb and lesson-classification.ipynb.  Edit here,
not in the .ipynb files.

    /usr/bin/python3 notebooks/make-lesson.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

OUTPUTS = {
    "de": "lektion-klassifikation.ipynb",
    "en": "lesson-classification.ipynb",
}


def md(de, en):
    return ("markdown", {"de": de, "en": en})


def code(text):
    """A code cell; text is a str (same in both) or {"de": ..., "en": ...}."""
    if isinstance(text, str):
        text = {"de": text, "en": text}
    return ("code", text)


def say(de, en):
    """A string that differs by language, for use inside code templates."""
    return {"de": de, "en": en}


CELLS = []
add = CELLS.append

# ---------------------------------------------------------------- title
add(md(
    """<div style="border: 2px solid #2f6fb0; padding: 15px; background-color: #f4f6fa; border-radius: 10px;">
<h1 style="margin: 0; color: #2f6fb0;">Neuronale Netze: Ein Beispiel (Klassifikation) (Lösung)</h1>
<h2 style="margin: 5px 0; color: #555;">DSAI · die Lösung in C, mit dem cnb-Kernel und libcnb</h2>
</div>

Nach der Regression bauen wir jetzt ein neuronales Netz, das **klassifiziert**: Es soll
einem Bild die richtige Klasse zuordnen. Als Daten nehmen wir einen Klassiker, den
**MNIST**-Datensatz. Er ist frei verfügbar, und es gibt ihn in mehreren Varianten, etwa
mit Kleidungsstücken statt Ziffern (**Fashion-MNIST**), die wir am Ende ebenfalls ausprobieren.

MNIST enthält handgeschriebene Ziffern von $0$ bis $9$; unser Netz soll erkennen, welche
Ziffer auf einem Bild zu sehen ist. Jedes Bild ist $28 \\times 28$ Pixel groß und grau.

Es gibt $60\\,\\mathrm k$ Bilder zum Trainieren und $10\\,\\mathrm k$ zum Testen. Die zehn
Klassen kommen ungefähr gleich oft vor: Es gibt also etwa so viele Einsen wie Zweien, Dreien
und so weiter.

Jede Code-Zelle in diesem Notebook ist **C**. Der Kernel übersetzt jede Zelle, sobald man sie
ausführt, und merkt sich alles, was darin definiert wird (Variablen, Funktionen, Typen), für die
folgenden Zellen, ganz so, wie man es von Python-Notebooks kennt.""",
    """<div style="border: 2px solid #2f6fb0; padding: 15px; background-color: #f4f6fa; border-radius: 10px;">
<h1 style="margin: 0; color: #2f6fb0;">Neural Networks: An Example (Classification) (Solution)</h1>
<h2 style="margin: 5px 0; color: #555;">DSAI · the solution in C, with the cnb kernel and libcnb</h2>
</div>

After regression we now build a neural network that **classifies**: it has to assign the right
class to an image. Our data is a classic, the **MNIST** data set. It is freely available and
comes in several variants, for example with pieces of clothing instead of digits
(**Fashion-MNIST**), which we try at the end as well.

MNIST holds handwritten digits from $0$ to $9$; our network has to recognise which digit an
image shows. Every image is $28 \\times 28$ grey pixels.

There are $60\\,\\mathrm k$ images for training and $10\\,\\mathrm k$ for testing. The ten
classes occur about equally often: there are roughly as many ones as twos, threes and so on.

Every code cell in this notebook is **C**. The kernel compiles a cell when you run it and keeps
everything it defines (variables, functions, types) for the cells that follow, just as you know
it from Python notebooks."""))

add(md("""# Lösung

Als Erstes holen wir uns die Werkzeuge: `cnb.h` bringt die ganze Laufzeitbibliothek mit
(Tensoren, Datensätze, Modelle, Training, Bilder). Damit jeder Lauf dieselben Zufallszahlen
zieht (Startgewichte, Mischen der Daten), setzen wir einen festen Startwert, den *Seed*.""",
                """# Solution

First we fetch our tools: `cnb.h` brings the whole runtime library (tensors, data sets,
models, training, pictures). So that every run draws the same random numbers (initial
weights, shuffling), we fix the starting value, the *seed*."""))

add(code("""#include <cnb.h>        // tensors, data sets, models, training, plots
#include <sys/stat.h>   // mkdir

manual_seed(42);        // reproducible: same weights and same shuffling on every run
mkdir("models", 0755);  // the best models are saved in this folder"""))

add(md("""Jetzt sorgen wir dafür, dass alle den MNIST-Datensatz auf dem Rechner haben. Mit
`.download = true` sucht `mnist()` die Dateien zuerst in den installierten Paketen und lädt sie
nur, wenn nötig, aus dem Internet. Der Pfad `data_path` kann bei Bedarf angepasst werden; er ist
relativ zum Ordner dieses Notebooks.

Den Testdatensatz ($10\\,\\mathrm k$ Bilder) teilen wir zufällig in zwei gleich große Hälften: eine
zum Testen am Schluss und eine zum **Validieren** während des Trainings.""",
                """Now we make sure that everyone has the MNIST data set on their computer. With
`.download = true`, `mnist()` looks for the files in the installed packages first and only
downloads them when it has to. Change `data_path` if needed; it is relative to the folder of this
notebook.

We split the test set ($10\\,\\mathrm k$ images) at random into two halves of equal size: one for
the final test and one for **validation** during training."""))

add(code("""const char *data_path = "data/mnist";

// to_tensor() scales the pixels from 0..255 to [0, 1]
Dataset *train_dataset = mnist(data_path, .train = true, .download = true, .transform = to_tensor());
Dataset *full_test_dataset = mnist(data_path, .train = false, .download = true, .transform = to_tensor());

size_t test_size = dataset_len(full_test_dataset) / 2;
size_t valid_size = dataset_len(full_test_dataset) - test_size;

Dataset **test_split = random_split(full_test_dataset, test_size, valid_size);
Dataset *test_dataset = test_split[0];
Dataset *valid_dataset = test_split[1];

printf("train: %zu, test: %zu, validation: %zu\\n",
       dataset_len(train_dataset), dataset_len(test_dataset), dataset_len(valid_dataset));"""))

add(md("""`mnist()` hat uns direkt fertige Datensätze gegeben; die Dataloader bauen wir etwas später.

Kurze **Wiederholung**: *Wie baut man einen eigenen Datensatz?*

In Python schreibt man dafür eine Klasse mit `__len__` und `__getitem__`. In C übergeben wir
stattdessen zwei Funktionen: eine, die sagt, wie viele Elemente es gibt, und eine, die das Bild
und das Label von Element Nummer `index` liefert. Über `user_data` kommt man an die eigenen Daten,
und eine Transformation kann man wie bei `mnist()` mitgeben. Zum Beispiel so:""",
                """`mnist()` gave us ready-made data sets; we build the dataloaders a little later.

A short **recap**: *how do you write a data set of your own?*

In Python you write a class with `__len__` and `__getitem__`. In C we pass two functions
instead: one that says how many items there are, and one that delivers the image and the label
of item number `index`. `user_data` leads to your own data, and a transformation can be given as
with `mnist()`. For example like this:"""))

add(code("""// how many items the data set has
size_t never_used_len(void *user_data)
{
    (void)user_data;
    return 0;
}

// fills image (already shaped 1 x 28 x 28) and label of item number index;
// this is also the place for a transformation
int never_used_get_item(void *user_data, size_t index, Tensor *image, int *label)
{
    (void)user_data;
    (void)index;
    (void)image;
    *label = 0;
    return 0;
}

Dataset *my_dataset_that_is_never_used = custom_dataset(
    .len = never_used_len,
    .get_item = never_used_get_item,
    .shape = {1, 28, 28});
printf("items: %zu\\n", dataset_len(my_dataset_that_is_never_used));"""))

add(md("""Ansonsten beginnen wir wie gewohnt mit dem *device*. Es ist eine gute Gewohnheit, das einmal
ganz am Anfang festzulegen: die Grafikkarte (CUDA), wenn es eine gibt, sonst die CPU.""",
                """Otherwise we start, as usual, with the *device*. It is a good habit to fix it once, right at
the start: the graphics card (CUDA) if there is one, the CPU otherwise."""))

add(code("""Device device = cuda_available() ? CUDA : CPU;
printf("%s\\n", device_name(device));"""))

add(md("""Die Datensätze haben wir schon, jetzt kommen die Dataloader: Sie liefern die Bilder in
Paketen (*batches*) zu je 64. Nur die Trainingsdaten werden in jeder Epoche neu gemischt.""",
                """We have the data sets; now the dataloaders: they deliver the images in packets
(*batches*) of 64. Only the training data is shuffled anew in every epoch."""))

add(code("""int batch_size = 64;

DataLoader *train_loader = dataloader(train_dataset, .batch_size = batch_size, .shuffle = true);
DataLoader *test_loader = dataloader(test_dataset, .batch_size = batch_size, .shuffle = false);
DataLoader *valid_loader = dataloader(valid_dataset, .batch_size = batch_size, .shuffle = false);"""))

add(md("""Werfen wir noch einen Blick auf ein paar Bilder aus dem Trainingsset, jeweils mit ihrem Label
darüber.""",
                """Let us look at a few images from the training set, each with its label above it."""))

add(code("""Batch example;
next_batch(train_loader, &example);     // the first batch of a shuffled epoch
show_images(example.data, .target = example.target, .count = 6);
dataloader_reset(train_loader);         // training will start with a fresh epoch"""))

add(md("""Als Nächstes legen wir das Netz fest. Worauf müssen wir diesmal achten, wenn wir es mit der
Regression vergleichen?

*Hinweis:* Die Bilder kommen als $1 \\times 28 \\times 28$ an, eine lineare Schicht erwartet aber
einen Vektor. Und am Ende brauchen wir nicht mehr eine Zahl, sondern einen Wert pro Klasse.

In C schreiben wir dafür eine Funktion, die jedes Mal ein neues, frisch initialisiertes Modell
zurückgibt.""",
                """Next we define the network. What do we have to watch out for this time, compared with
regression?

*Hint:* the images arrive as $1 \\times 28 \\times 28$, but a linear layer expects a vector. And at
the end we no longer need one number but one value per class.

In C we write a function for it that returns a new, freshly initialised model each time."""))

add(code("""Model *mnist_classifier(void)
{
    Model *model = sequential(
        flatten(),              // very important! Why? (CNNs will not need this flattening)
        linear(28 * 28, 256),
        relu(),
        linear(256, 128),
        relu(),
        linear(128, 64),
        relu(),
        linear(64, 10));        // one output per class
    model_set_name(model, "MNISTClassifier");   // the name model_summary shows
    return model;
}"""))

add(code("""Model *model = model_to(mnist_classifier(), device);
model_summary(model);"""))

add(md("""Welche Loss-Funktion nehmen wir? Welchen Optimizer?""",
                """Which loss function do we take? Which optimizer?"""))

add(code("""double lr = 0.001;

Loss *criterion = cross_entropy_loss();
Optimizer *optimizer = adam(model, .lr = lr);"""))

add(md("""Jetzt zum Training. Diesmal schreiben wir es als eigene Funktion, und die Evaluierung ebenfalls.
Die Evaluierung kommt zuerst, weil die Trainingsfunktion sie aufruft.

`evaluate_model` rechnet über alle Batches eines Dataloaders den mittleren Loss und den Anteil
richtig erkannter Bilder aus. C kann nur einen Wert zurückgeben; wir packen deshalb beides in eine
kleine Struktur.""",
                """Now to training. This time we write it as a function of its own, and evaluation as well.
Evaluation comes first because the training function calls it.

`evaluate_model` computes, over all batches of a dataloader, the mean loss and the share of
images recognised correctly. C can return only one value, so we pack both into a small struct."""))

add(code("""typedef struct EvalResult {
    double loss;        // mean loss per image
    double accuracy;    // in percent
} EvalResult;

EvalResult evaluate_model(Model *model, DataLoader *data_loader, Loss *criterion)
{
    model_eval(model);
    double loss_total = 0.0;
    int correct = 0;
    int total = 0;

    Batch batch;
    while (next_batch(data_loader, &batch)) {
        tensor_to(batch.data, device);
        tensor_to(batch.target, device);
        Tensor *output = model_predict(model, batch.data);   // no gradients (torch.no_grad())
        Tensor *loss = loss_forward(criterion, output, batch.target);
        loss_total += tensor_item(loss) * batch.size;

        correct += count_correct(output, batch.target);  // argmax == label
        total += batch.size;
    }

    EvalResult result = {
        .loss = loss_total / total,
        .accuracy = 100.0 * correct / total,
    };
    return result;
}"""))

add(md("""`train_model` trainiert Epoche für Epoche. Alle `print_at` Schritte gibt es den aktuellen Loss
aus, alle `validate_at` Epochen prüft es das Modell mit den Validierungsdaten. Ist der
Validierungs-Loss besser als je zuvor, speichern wir das Modell; wird er `patience`-mal
hintereinander nicht besser, hören wir auf (*Early Stopping*).

Python kennt benannte Parameter mit Standardwerten. In C bekommen wir etwas Ähnliches mit einer
Struktur für die Optionen: `(TrainOptions){.epochs = 20, .print_at = 200}`; was fehlt, ist 0 und
bekommt in der Funktion seinen Standardwert.""",
                """`train_model` trains epoch after epoch. Every `print_at` steps it prints the current loss,
every `validate_at` epochs it checks the model on the validation data. When the validation loss is
better than ever before, we save the model; when it has not improved `patience` times in a row, we
stop (*early stopping*).

Python has named parameters with default values. In C we get something similar with a struct for
the options: `(TrainOptions){.epochs = 20, .print_at = 200}`; whatever is left out is 0 and gets
its default value inside the function."""))

add(code("""typedef struct TrainOptions {
    const char *save_path;  // where the best model is saved
    int epochs;             // at most this many passes over the training data
    int validate_at;        // validate every validate_at epochs
    int print_at;           // print the loss every print_at steps
    int patience;           // stop after this many validations without improvement
} TrainOptions;

void train_model(Model *model, DataLoader *train_loader, DataLoader *valid_loader,
                 Loss *criterion, Optimizer *optimizer, TrainOptions options)
{
    const char *save_path = options.save_path ? options.save_path : "models/nn_8_best_model.safetensors";
    int epochs = options.epochs > 0 ? options.epochs : 20;
    int validate_at = options.validate_at > 0 ? options.validate_at : 1;
    int print_at = options.print_at > 0 ? options.print_at : 100;
    int patience = options.patience > 0 ? options.patience : 3;

    double best_loss = INFINITY;
    int patience_counter = 0;
    int epochs_run = 0;
    int steps = (int)dataloader_len(train_loader);
    Progress *progress = progress_new("Training", (long)epochs * steps);

    for (int epoch = 1; epoch <= epochs; epoch++) {
        epochs_run = epoch;
        model_train(model);
        double running_loss = 0.0;

        Batch batch;
        while (next_batch(train_loader, &batch)) {
            tensor_to(batch.data, device);
            tensor_to(batch.target, device);

            optimizer_zero_grad(optimizer);
            Tensor *output = model_forward(model, batch.data);
            Tensor *loss = loss_forward(criterion, output, batch.target);
            loss_backward(loss);
            optimizer_step(optimizer);

            running_loss += tensor_item(loss);

            if ((batch.index + 1) % print_at == 0)
                printf("Epoch [%d/%d], Step [%d/%d], Loss: %.4f\\n",
                       epoch, epochs, batch.index + 1, steps, tensor_item(loss));
            if ((batch.index + 1) % 50 == 0 || batch.index + 1 == steps) {
                char message[64];
                snprintf(message, sizeof message, "epoch %d/%d, mean loss %.4f",
                         epoch, epochs, running_loss / (batch.index + 1));
                progress_update(progress, (long)(epoch - 1) * steps + batch.index + 1, message);
            }
        }

        if (epoch % validate_at == 0) {
            EvalResult valid = evaluate_model(model, valid_loader, criterion);
            printf("Epoch [%d/%d] - Validation Loss: %.4f, Validation Accuracy: %.2f%%\\n",
                   epoch, epochs, valid.loss, valid.accuracy);

            if (valid.loss < best_loss) {
                best_loss = valid.loss;
                patience_counter = 0;
                model_save(model, save_path);
                printf(">>> Found a better model and saved it at '%s'\\n", save_path);
            } else {
                patience_counter++;
                printf("No Improvement. Early Stopping Counter: %d/%d\\n", patience_counter, patience);
                if (patience_counter >= patience) {
                    printf("Early Stopping triggered.\\n");
                    break;
                }
            }
        }
    }
    char summary[80];
    snprintf(summary, sizeof summary, "%d epochs, best validation loss %.4f", epochs_run, best_loss);
    progress_finish(progress, summary);
}"""))

add(md("""Zu guter Letzt trainieren wir das Modell. Vorher legen wir die Hyperparameter fest (einige
davon stehen der Vollständigkeit halber ein zweites Mal da).

In C gibt es keinen Garbage Collector: Das Modell, den Loss und den Optimizer von oben ersetzen
wir, also geben wir sie zuerst selbst frei.""",
                """Last but not least we train the model. First we set the hyperparameters (some of them
appear a second time, for completeness).

C has no garbage collector: we replace the model, the loss and the optimizer from above, so we
release them ourselves first."""))

add(code("""// ### HYPERPARAMETERS ###
optimizer_free(optimizer);
loss_free(criterion);
model_free(model);

model = model_to(mnist_classifier(), device);
criterion = cross_entropy_loss();
lr = 0.001;
optimizer = adam(model, .lr = lr);
int epochs = 20;
int validate_at = 1;
int print_at = 200;
int early_stopping_patience = 3;
const char *save_path = "models/nn_8_best_model_mnist.safetensors";"""))

add(code("""train_model(model, train_loader, valid_loader, criterion, optimizer,
            (TrainOptions){.epochs = epochs, .validate_at = validate_at, .print_at = print_at,
                           .patience = early_stopping_patience, .save_path = save_path});"""))

add(md("""Am Schluss laden wir das beste gespeicherte Modell und prüfen es mit den Testdaten, die es
beim Training nie gesehen hat:""",
                """At the end we load the best saved model and check it on the test data, which it never
saw during training:"""))

FINAL = say(
    """printf("Finaler Test Loss: %.4f\\n", test_result.loss);
printf("Finale Test Accuracy: %.2f%%\\n", test_result.accuracy);""",
    """printf("Final test loss: %.4f\\n", test_result.loss);
printf("Final test accuracy: %.2f%%\\n", test_result.accuracy);""")


def final_cell(first):
    decl = "EvalResult test_result = " if first else "test_result = "
    return code({lang: f"""model_load(model, save_path);
{decl}evaluate_model(model, test_loader, criterion);
{FINAL[lang]}""" for lang in ("de", "en")})


add(final_cell(True))

add(md("""___

Sind wir damit zufrieden? **Was könnte man verbessern?**

Eine Möglichkeit: eine (andere) Transformation der Bilder.

Dafür berechnen wir zuerst den Mittelwert und die Streuung (Standardabweichung) der
Trainingsdaten.""",
                """___

Are we happy with that? **What could be improved?**

One option: a (different) transformation of the images.

For it we first compute the mean and the spread (standard deviation) of the training data."""))

add(code("""double mean = 0.0;
double std = 0.0;
Batch stats_batch;
while (next_batch(train_loader, &stats_batch)) {
    mean += tensor_mean(stats_batch.data);
    std += tensor_std(stats_batch.data);
}
mean /= dataloader_len(train_loader);
std /= dataloader_len(train_loader);
printf("%f %f\\n", mean, std);

// the same over every pixel of the data set at once
double pixel_mean, pixel_std;
dataset_mean_std(train_dataset, &pixel_mean, &pixel_std);
printf("%f %f\\n", pixel_mean, pixel_std);"""))

add(md("""Der Mittelwert der Batch-Streuungen ist ein klein wenig kleiner als die Streuung über alle
Pixel auf einmal; die üblichen Werte für MNIST sind $0.1307$ und $0.3081$. Mit `normalize` ziehen wir den
Mittelwert ab und teilen durch die Streuung, sodass die Eingaben um $0$ liegen.

Dazu kommt eine kleine **Datenaugmentation**: Jedes Trainingsbild wird zufällig um bis zu
$10°$ gedreht. So sieht das Netz in jeder Epoche leicht andere Bilder. Die Testbilder drehen wir
nicht.""",
                """The mean of the batch spreads is a tiny bit smaller than the spread over all pixels at once;
the usual values for MNIST are $0.1307$ and $0.3081$. `normalize` subtracts the mean and divides by
the spread, so the inputs lie around $0$.

On top comes a small **data augmentation**: every training image is rotated at random by up to
$10°$. So the network sees slightly different images in every epoch. The test images are not
rotated."""))

add(code("""Transform *train_transform = compose(
    random_rotation(10),        // small data augmentation
    to_tensor(),
    normalize(0.1307, 0.3081));

Transform *test_transform = compose(
    to_tensor(),
    normalize(0.1307, 0.3081));"""))

CLEANUP = """// release the data of the previous run before we load new data
dataloader_free(train_loader);
dataloader_free(test_loader);
dataloader_free(valid_loader);
dataset_free(test_dataset);
dataset_free(valid_dataset);
free(test_split);
dataset_free(full_test_dataset);
dataset_free(train_dataset);
"""


def load_cell(opener, path, train_tf, test_tf):
    return code(CLEANUP + f"""
data_path = "{path}";

train_dataset = {opener}(data_path, .train = true, .download = true, .transform = {train_tf});
full_test_dataset = {opener}(data_path, .train = false, .download = true, .transform = {test_tf});

test_size = dataset_len(full_test_dataset) / 2;
valid_size = dataset_len(full_test_dataset) - test_size;

test_split = random_split(full_test_dataset, test_size, valid_size);
test_dataset = test_split[0];
valid_dataset = test_split[1];""")


LOADERS = code("""batch_size = 64;

train_loader = dataloader(train_dataset, .batch_size = batch_size, .shuffle = true);
test_loader = dataloader(test_dataset, .batch_size = batch_size, .shuffle = false);
valid_loader = dataloader(valid_dataset, .batch_size = batch_size, .shuffle = false);""")


def hyper_cell(factory, epochs, path):
    return code(f"""// ### HYPERPARAMETERS ###
optimizer_free(optimizer);
loss_free(criterion);
model_free(model);

model = model_to({factory}(), device);
criterion = cross_entropy_loss();
lr = 0.001;
optimizer = adam(model, .lr = lr);
epochs = {epochs};
validate_at = 1;
print_at = 200;
early_stopping_patience = 3;
save_path = "{path}";""")


TRAIN = code("""train_model(model, train_loader, valid_loader, criterion, optimizer,
            (TrainOptions){.epochs = epochs, .validate_at = validate_at, .print_at = print_at,
                           .patience = early_stopping_patience, .save_path = save_path});""")

add(load_cell("mnist", "data/mnist", "train_transform", "test_transform"))
add(LOADERS)
add(hyper_cell("mnist_classifier", 10, "models/nn_8_best_model_mnist_transform.safetensors"))
add(TRAIN)
add(final_cell(False))

add(md("""Natürlich könnte man es auch noch mit mehr Epochen, einem größeren Netz, einer anderen
Lernrate oder einem anderen Optimizer versuchen. Das lassen wir hier aber bleiben.""",
                """Of course one could also try more epochs, a bigger network, another learning rate or another
optimizer. We leave it at that here."""))

add(md("""___

Jetzt nehmen wir den **Fashion-MNIST**-Datensatz und machen alles noch einmal.

Statt Ziffern zeigen die Bilder jetzt Kleidungsstücke, wieder in 10 Klassen. Am Modell selbst
müssen wir deshalb zunächst nichts ändern.

Auch hier gibt es $60\\,\\mathrm k$ Trainingsbilder und $10\\,\\mathrm k$ Testbilder.

Wir übernehmen die wichtigsten Zellen von oben und passen sie ein wenig an.""",
                """___

Now we take the **Fashion-MNIST** data set and do everything once more.

Instead of digits the images now show pieces of clothing, again in 10 classes. So we do not
have to change the model itself for now.

Here, too, there are $60\\,\\mathrm k$ training images and $10\\,\\mathrm k$ test images.

We take over the most important cells from above and adapt them a little."""))

add(load_cell("fashion_mnist", "data/fashion_mnist", "to_tensor()", "to_tensor()"))
add(LOADERS)

add(code("""const char *const label_dict[] = {
    "T-Shirt",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle Boot",
};

next_batch(train_loader, &example);
show_images(example.data, .target = example.target, .class_names = label_dict, .count = 6);
dataloader_reset(train_loader);"""))

add(md("""Wir verwenden dasselbe Modell wie vorher, geben der Funktion aber einen neuen Namen.""",
                """We use the same model as before but give the function a new name."""))

add(code("""Model *fashion_mnist_classifier(void)
{
    Model *model = sequential(
        flatten(),              // very important! Why?
        linear(28 * 28, 256),
        relu(),
        linear(256, 128),
        relu(),
        linear(128, 64),
        relu(),
        linear(64, 10));
    model_set_name(model, "FashionMNISTClassifier");
    return model;
}"""))

add(md("""Jetzt trainieren wir das Modell.""", """Now we train the model."""))

add(hyper_cell("fashion_mnist_classifier", 20, "models/nn_8_best_model_fashion_mnist.safetensors"))
add(TRAIN)
add(final_cell(False))

add(md("""So richtig gut ist das nicht: Bei 10 Klassen liegen wir im Mittel ungefähr bei jedem zehnten
Bild daneben. Welche Klassen verwechselt das Netz? Das zeigt die **Confusion-Matrix**: Für jedes
Testbild zählen wir, welche Klasse richtig gewesen wäre und welche das Netz vorhergesagt hat.

Wir rechnen sie aus denselben Test-Batches aus, mit denen wir oben die Accuracy gemessen haben
(also mit derselben Transformation wie beim Training).""",
                """That is not really good: with 10 classes we are wrong on about every tenth image. Which
classes does the network confuse? The **confusion matrix** shows it: for every test image we count
which class would have been right and which one the network predicted.

We compute it from the same test batches with which we measured the accuracy above (so with the
same transformation as in training)."""))

add(code({lang: """// Confusion matrix of the Fashion-MNIST model
Tensor *cm = confusion_matrix_new(10);
model_eval(model);
Batch test_batch;
while (next_batch(test_loader, &test_batch)) {
    tensor_to(test_batch.data, device);
    tensor_to(test_batch.target, device);
    Tensor *output = model_predict(model, test_batch.data);
    confusion_matrix_add(cm, output, test_batch.target);
}

double diagonal = 0.0;
for (int i = 0; i < 10; i++)
    diagonal += tensor_get(cm, i, i);
printf("%s: %.0f / %.0f = %.2f%%\\n", """ + ('"richtig"' if lang == "de" else '"correct"') + """,
       diagonal, tensor_sum(cm), 100.0 * diagonal / tensor_sum(cm));

show_confusion_matrix(cm, label_dict, "Confusion Matrix for FashionMNIST Classification\"""" + (
               ",\n                      .xlabel = \"Vorhergesagte Klasse\", .ylabel = \"Tatsächliche Klasse\"" if lang == "de"
               else ",\n                      .xlabel = \"Predicted class\", .ylabel = \"True class\"") + """);"""
           for lang in ("de", "en")}))

add(md("""(Zur Erinnerung: Auf der $y$-Achse steht die Wahrheit (*Ground Truth*), auf der $x$-Achse die
Vorhersage.)

Die Diagonale zählt die richtig erkannten Bilder. Wo stehen außerhalb der Diagonale große Zahlen,
und leuchtet das ein, wenn man sich die Kleidungsstücke vorstellt?

---

## Genügt also immer ein vollständig verbundenes (Fully-Connected) Netz?

**Nein!**

Viele Aufgaben verlangen nach anderen Architekturen. Für manche Zwecke mag eine Genauigkeit wie
diese reichen; spätestens bei der **Image-Inpainting**-Challenge, die noch auf uns wartet, werden
wir aber sehen, dass andere Netze dort deutlich besser abschneiden.

Unser Netz macht aus jedem Bild zuerst einen langen Vektor (`flatten()`) und vergisst dabei, welche
Pixel nebeneinander liegen. Als Nächstes lernen wir deshalb eine Architektur kennen, die genau
diese Nachbarschaft ausnutzt und mit Bildern viel besser zurechtkommt als ein Feed-Forward-Netz:
die ***CNNs*** (*Convolutional Neural Networks*).""",
                """(As a reminder: the $y$ axis holds the truth (*ground truth*), the $x$ axis the
prediction.)

The diagonal counts the images recognised correctly. Where are large numbers off the diagonal,
and does that make sense when you picture the pieces of clothing?

---

## So is a fully connected network always enough?

**No!**

Many tasks call for other architectures. For some purposes an accuracy like this one may do;
at the latest in the **image inpainting** challenge still ahead of us we will see that other
networks do much better there.

Our network first turns every image into one long vector (`flatten()`) and forgets which pixels
lie next to each other. So next we get to know an architecture that makes use of exactly this
neighbourhood and copes with images much better than a feed-forward network: ***CNNs***
(*convolutional neural networks*)."""))


def notebook(lang):
    cells = []
    for kind, text in CELLS:
        source = text[lang]
        lines = source.splitlines(keepends=True)
        cell = {"cell_type": kind, "metadata": {}, "source": lines}
        if kind == "code":
            cell.update({"execution_count": None, "outputs": []})
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "cnb", "display_name": "C (cnb)", "language": "c"},
            "language_info": {
                "name": "c",
                "mimetype": "text/x-csrc",
                "file_extension": ".c",
                "codemirror_mode": "text/x-csrc",
                "pygments_lexer": "c",
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else HERE
    for lang, name in OUTPUTS.items():
        nb = notebook(lang)
        for i, cell in enumerate(nb["cells"]):
            cell["id"] = f"{lang}-{i:02d}"
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            json.dump(nb, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"wrote {name} ({len(nb['cells'])} cells)")


if __name__ == "__main__":
    main()
