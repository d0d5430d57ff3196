import torch
import math

# 创建输入输出 Tensor
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# 在这个例子中,输出 y 是一个(x,x^2,x^3)的线性函数,所以
# 我们可以考虑它是一个线性(linear layer)神经网络层。
# 让我们准备 Tensor(x,x^2,x^3)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

# 在上面的代码中,x.unsqueeze(-1) 有着 (2000,1)的形状(shape),并且 p 有着 (3,)的形状
# 对于这个例子,广播语义(broadcasting semantics),得到一个 (2000,3)的 Tensor。

# 使用 nn 包定义我们一系列的层的模型。nn.Sequential 是一个 Module,其包含其它 Modules
# 并按顺序应用它们产生输出。线性 Modules 从输入使用一个线性函数计算输出
# 并在内部持有模型的 weight 和 bias 的 Tensor。Flatten layer 展开线性层的输出到
# 一个匹配 y 的形状(shape)的一维(1D)的 Tensor。
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)

# nn 包同样包含流行的损失函数(loss function)的定义;在这个例子中,
# 我们将使用均方误差(Mean Square Error——MSE)作为我们的损失函数。
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
for t in range(2000):
    # 前向传播:通过传入 x 到 model 计算预测的 y。Module 对象重写了
    # __call__ 函数,所我们可以就像调用函数一样调用他们。当你这么做的时候
    # 传入输入 Tensor 到 Module 然后它计算产生输出的 Tensor。
    y_pred = model(xx)
    
    # 计算并打印损失值(loss)。我们传入 y 的预测值和真实值的 Tensor,
    # 之后 loss function 返回损失值(loss)的 Tensor。
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
        
    # 运行反向传播之前清零一下梯度
    model.zero_grad()
    # 反向传播:计算 loss 关于所有 model 的可学习参数的梯度。从底层上来说,
    # 每一个 requires_grad=True 的 Module 的参数(parameters)都被存储在一个 Tensor 中,
    # 所以下面这个调用将计算 model 中所有可学习参数的的梯度。
    loss.backward()
    
    # 使用梯度下降更新权重。每一个参数都是一个 Tensor,
    # 所以我们就像之前一样得到它的梯度。
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
    
# 你也可以就像得到列表(list)的第一个元素一样,得到 model 的第一层
linear_layer = model[0]

# 对于 linear layer,它的参数被存储为 weight 和 bias。
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
