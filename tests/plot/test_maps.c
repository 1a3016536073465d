// SPDX-License-Identifier: BSD-3-Clause
/* show_filters and show_feature_maps: they draw for a CNN's convolutions
 * and refuse, with a ValueError or ShapeError, what is no convolution. */
#include "cnb.h"
#include "tap.h"
#include "fontconfig_leak.h"
#include "display_folder.h"

#include <string.h>

int main(void)
{
    if (display_into_own_folder() != 0)
        return 1;
    manual_seed(1);
    Model *cnn = sequential(conv2d(1, 4, 3, .padding = 1), relu(), max_pool2d(2),
                            conv2d(4, 6, 3), relu(), flatten(), linear(6 * 4 * 4, 3));
    Model *mlp = sequential(flatten(), linear(100, 3));
    Tensor *image = tensor(1, 12, 12);
    float *pixels = tensor_data(image);
    for (int i = 0; i < 144; i++)
        pixels[i] = (float)(i % 12) / 11.0f;

    is_int(show_filters(cnn, 0), 0, "the first convolution's 4 filters");
    is_int(show_filters(cnn, 3, .count = 2, .columns = 1), 0, "the second's, 2 of 6");
    cnb_clear_error();
    is_int(show_filters(cnn, 1), -1, "layers.1 is a ReLU");
    is_int(cnb_last_error_kind(), CNB_VALUE_ERROR, "a ValueError");
    ok(strstr(cnb_last_error(), "no Conv2d") != NULL, "saying so: %s", cnb_last_error());
    is_int(show_filters(mlp, 1), -1, "a Linear is no convolution");

    is_int(show_feature_maps(cnn, image), 0, "one image's maps after each convolution");
    Tensor *batch = tensor(2, 1, 12, 12);
    is_int(show_feature_maps(cnn, batch, .count = 3), 0, "the first of a batch");
    cnb_clear_error();
    is_int(show_feature_maps(mlp, batch), -1, "a model without convolutions");
    is_int(cnb_last_error_kind(), CNB_VALUE_ERROR, "a ValueError");
    Tensor *flat = tensor(144);
    is_int(show_feature_maps(cnn, flat), -1, "a vector is no image");
    is_int(cnb_last_error_kind(), CNB_SHAPE_ERROR, "a ShapeError");
    cnb_clear_error();

    tensor_free(flat);
    tensor_free(batch);
    tensor_free(image);
    model_free(mlp);
    model_free(cnn);
    return tap_done();
}
